import { useEffect, useState } from './lib.js';

/** The page shown, from the URL's hash (#/incidents/12): links work, reload keeps the page, Back works. */
export function currentRoute() {
  const path = location.hash.replace(/^#/, '') || '/incidents';
  const [pathOnly, query = ''] = path.split('?');
  return { parts: pathOnly.split('/').filter(Boolean), query: new URLSearchParams(query) };
}

export function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(path) {
  location.hash = path;
}
