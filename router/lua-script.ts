// The router's one Lua file (HAProxy loads it at start): every Lua action the config uses.
import { FORWARDED_FOR_LUA } from './forwarded-headers.js';
import { HOP_BY_HOP_LUA } from './hop-by-hop.js';

export const ROUTER_LUA = `${HOP_BY_HOP_LUA}\n${FORWARDED_FOR_LUA}`;
