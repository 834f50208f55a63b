import { useState } from 'react';
import { effectiveTheme, setTheme, type Theme } from '../theme.ts';

export function ThemeToggle() {
  const [theme, setLocal] = useState<Theme>(effectiveTheme);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      aria-pressed={theme === 'dark'}
      onClick={() => {
        setTheme(next);
        setLocal(next);
      }}
    >
      Dark theme
    </button>
  );
}
