/** Wraps a handler so only the agent's own input runs it: a page can dispatch synthetic events. */
export const trusted =
  <E extends Event>(run: (event: E) => void) =>
  (event: E) => {
    if (event.isTrusted) run(event);
  };
