import { expect, test } from 'vitest';
import { refusedVersion } from './accept.js';

test.each([
  ['application/vnd.heroku+json; version=3', null],
  ['application/vnd.heroku+json; version=3.sdk', null],
  ['application/vnd.heroku+json; version=3.account-quotas', null],
  ['application/vnd.heroku+json;version=3.webhooks, application/json', null],
  ['application/json', null],
  ['', null],
  ['application/vnd.heroku+json; version=2', '2'],
  ['application/vnd.heroku+json; version=4.sdk', '4.sdk'],
  ['application/vnd.heroku+json; version=30', '30'],
])('Accept %j refuses %j', (accept, refused) => {
  expect(refusedVersion(accept)).toBe(refused);
});
