import { useCallback, useEffect, useRef, useState } from './lib.js';

/**
 * Loads data for a page; `reload` runs it again (after a change, on a live event). Only the latest run's answer is
 * kept: one that arrives after a newer run started (a fast switch of what is shown), or after the page is gone, is
 * dropped rather than shown over the newer one.
 */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const latest = useRef(0);
  useEffect(() => () => {
    latest.current = -1;
  }, []);
  const run = useCallback(async () => {
    const mine = ++latest.current;
    try {
      const data = await load();
      if (mine === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === latest.current) setState((previous) => ({ ...previous, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    setState((previous) => ({ ...previous, loading: true }));
    run();
  }, [run]);
  return { ...state, reload: run };
}
