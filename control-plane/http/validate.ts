import type { z } from 'zod';
import { InvalidParamsError } from '../../common/errors.js';

/** Parses a request body with `schema`, or throws a 422 that says what is wrong. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  throw new InvalidParamsError(problems.join('; '));
}
