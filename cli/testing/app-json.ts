// An app as the API answers it, for the CLI's table tests: Heroku's fields with plain values.
import type { AppJson } from '../../common/api-shapes.js';

export function appJsonFixture(name: string, overrides: Partial<AppJson> = {}): AppJson {
  return {
    id: `id-${name}`,
    name,
    owner: { id: 'u1', email: 'ann@example.com' },
    stack: { id: 'id-bookworm', name: 'bookworm' },
    build_stack: { id: 'id-bookworm', name: 'bookworm' },
    maintenance: false,
    stop_timeout_seconds: null,
    git_url: `http://127.0.0.1:5780/${name}.git`,
    web_url: `http://${name}.localhost/`,
    region: { id: 'id-local', name: 'local' },
    create_status: 'complete',
    acm: false,
    space: null,
    team: null,
    internal_routing: null,
    archived_at: null,
    repo_size: null,
    slug_size: null,
    created_at: '2026-11-24T22:00:00.000Z',
    updated_at: '2026-11-24T22:30:00.000Z',
    ...overrides,
  };
}
