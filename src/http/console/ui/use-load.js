import { useCallback, useEffect, useState } from './lib.js';

/** Loads data for a page; `reload` runs it again (after a change, on a live event). */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const run = useCallback(async () => {
    try {
      const data = await load();
      setState({ data, error: null, loading: false });
    } catch (error) {
      setState((previous) => ({ ...previous, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    setState((previous) => ({ ...previous, loading: true }));
    run();
  }, [run]);
  return { ...state, reload: run };
}
