import type { Redis } from 'ioredis';

export async function getJson<T>(redis: Redis, key: string): Promise<T | null> {
  const raw = await redis.get(key);
  return raw === null ? null : (JSON.parse(raw) as T);
}

export async function getManyJson<T>(redis: Redis, keyList: string[]): Promise<T[]> {
  if (keyList.length === 0) return [];
  const raws = await redis.mget(...keyList);
  return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as T);
}

export function now(): string {
  return new Date().toISOString();
}
