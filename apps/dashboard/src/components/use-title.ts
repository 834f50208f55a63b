import { useEffect } from 'react';

/** The tab's title names the page, so screen readers announce where a navigation landed. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · VoiceDesk`;
  }, [title]);
}
