// Test support: the error a function throws (failing the test if it does not throw).
export function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected an error, but nothing was thrown');
}
