// Compile-time link between an env writer's keys and the parser that reads them: a parser
// module states `export const READS_EVERY_WRITTEN_KEY: EveryKeyParsed<WrittenKey, keyof z.input<typeof schema>> = true;`
// and a key written but not parsed (a typo, a renamed setting) fails type checking.
export type EveryKeyParsed<Written extends string, Parsed extends PropertyKey> = [Exclude<Written, Parsed>] extends [never]
  ? true
  : { unparsedKeys: Exclude<Written, Parsed> };
