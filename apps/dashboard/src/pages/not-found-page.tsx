import { Link } from 'react-router';
import { useTitle } from '../components/use-title.ts';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <div className="state">
      <h1>Page not found</h1>
      <p>
        <Link to="/calls">Go to calls</Link>
      </p>
    </div>
  );
}
