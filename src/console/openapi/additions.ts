// What this server has beyond the hosted OpenAPI file (base.json): its own routes, and routes the
// hosted service answers but its file leaves out. Paths are full (`/api/v2/...`), Swagger 2.0 like
// the base. Kept honest by test/console/openapi.test.ts against the routes Fastify registers.

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/parameters/${name}` });
const path = (name: string, description: string) => ({ name, in: 'path', required: true, type: 'string', description });
const query = (name: string, description: string, type = 'string') => ({ name, in: 'query', required: false, type, description });
const body = (description: string, schema: Json = { type: 'object' }) => ({
  name: 'body',
  in: 'body',
  required: true,
  description,
  schema,
});
const def = (name: string) => ({ $ref: `#/definitions/${name}` });

const ERRORS: Record<string, Json> = {
  '400': { description: 'Bad Request', schema: def('Error') },
  '401': { description: 'Unauthorized', schema: def('Error') },
  '403': { description: 'Forbidden', schema: def('Error') },
  '404': { description: 'Not Found', schema: def('Error') },
  '422': { description: 'Unprocessable Entity', schema: def('Error') },
  '429': { description: 'Too Many Requests (rate limit)', schema: def('Error') },
};

function op(
  tag: string,
  summary: string,
  description: string,
  parameters: unknown[],
  ok: Json,
  errors: string[] = ['401', '403', '404'],
): Json {
  const responses: Json = { ...ok };
  for (const code of errors) responses[code] = ERRORS[code];
  return { tags: [tag], summary, description, parameters, responses };
}

const U = ref('UsernamePath');
const FEED = ref('FeedPath');
const ID = path('id', 'the record id');

const ACTION_BODY = body('`{"trigger": {...}}` or the attributes themselves', def('Trigger'));
/** PUT and PATCH of an action are one operation (only the fields sent change). */
const updateAction = op(
  'Actions',
  'Update an action',
  'Only the fields sent change.',
  [U, ID, ACTION_BODY],
  { '200': { description: 'the action', schema: def('Trigger') } },
  ['400', '401', '403', '404', '422'],
);

const integration = (service: string, label: string, wrapper: string): Record<string, Json> => ({
  [`/api/v2/{username}/integrations/${service}`]: {
    get: op(
      'Integrations',
      `All ${label}`,
      `The account's ${label} records.`,
      [U],
      { '200': { description: `${label} records`, schema: { type: 'array', items: { type: 'object' } } } },
      ['401', '403'],
    ),
    post: op(
      'Integrations',
      `Create a ${label} record`,
      `Body: \`{"${wrapper}": {...}}\` or the attributes themselves.`,
      [U, body(`the new ${label} record`)],
      {
        '201': { description: `the new ${label} record`, schema: { type: 'object' } },
      },
      ['400', '401', '403', '422'],
    ),
  },
  [`/api/v2/{username}/integrations/${service}/{id}`]: {
    get: op('Integrations', `One ${label} record`, 'With its current values.', [U, ID], {
      '200': { description: 'the record', schema: { type: 'object' } },
    }),
    delete: op('Integrations', `Delete a ${label} record`, '', [U, ID], { '200': { description: 'deleted' } }),
  },
});

const timeOp = (summary: string, description: string, params: unknown[] = []) => ({
  get: op('Time', summary, description, [U, ...params], { '200': { description: 'the time' } }, ['401', '403']),
});

export const ADDITIONS: { tags: Json[]; paths: Record<string, Json>; definitions: Record<string, Json> } = {
  tags: [
    { name: 'Console', description: 'The web console served by this server: sign-in sessions and the live event stream.' },
    { name: 'Server', description: 'This server itself: health and this document.' },
    { name: 'Actions', description: 'Actions (the hosted service also calls them triggers).' },
    { name: 'Integrations', description: 'Randomizers, weather and air quality.' },
    { name: 'Time', description: 'The time service.' },
  ],
  definitions: {
    ConsoleSession: {
      type: 'object',
      properties: {
        username: { type: 'string' },
        kind: { type: 'string', enum: ['key', 'token'] },
        permissions: {
          type: 'object',
          properties: {
            readable: { type: 'boolean' },
            createable: { type: 'boolean' },
            updateable: { type: 'boolean' },
            deleteable: { type: 'boolean' },
            feed_id: { type: 'integer' },
            expiration: { type: 'string', format: 'date-time' },
            manage: { type: 'boolean', description: 'signed in with the account key (tokens, webhooks and sharing can be managed)' },
          },
        },
        idle_minutes: { type: 'integer' },
      },
    },
  },
  paths: {
    '/health': {
      get: op('Server', 'Health', 'Answers 200 while the server runs (no key needed).', [], { '200': { description: 'healthy' } }, []),
    },
    '/api/docs/v2.json': {
      get: op(
        'Server',
        'This document',
        'The OpenAPI (Swagger 2.0) description of every route this server has.',
        [],
        { '200': { description: 'the document' } },
        [],
      ),
    },
    '/': {
      get: op(
        'Console',
        'The web console',
        'The console page (HTML); its scripts and styles are served beside it.',
        [],
        { '200': { description: 'HTML' } },
        [],
      ),
    },
    '/console/session': {
      post: op(
        'Console',
        'Sign in',
        'With `{"username", "key"}` or `{"token"}`. Sets an HttpOnly, SameSite=Strict session cookie; only same-origin calls with `X-Aio-Console: 1` are accepted, and the cookie then works on `/api/v2` for such calls exactly as the key or token it was made from.',
        [
          body('the credentials', {
            type: 'object',
            properties: { username: { type: 'string' }, key: { type: 'string' }, token: { type: 'string' } },
          }),
        ],
        { '201': { description: 'signed in', schema: def('ConsoleSession') } },
        ['400', '401', '403'],
      ),
      get: op(
        'Console',
        'Current session',
        'Who is signed in, and what the session may do.',
        [],
        { '200': { description: 'the session', schema: def('ConsoleSession') } },
        ['401'],
      ),
      delete: op('Console', 'Sign out', 'Ends the session and clears the cookie.', [], { '204': { description: 'signed out' } }, ['401']),
    },
    '/console/limits': {
      get: op(
        'Console',
        'Account limits',
        'How many feeds, groups and dashboards the signed-in account has, against its caps (`max` 0: unlimited).',
        [],
        { '200': { description: '`{feeds, groups, dashboards}`, each `{used, max}`', schema: { type: 'object' } } },
        ['401'],
      ),
    },
    '/console/events': {
      get: op(
        'Console',
        'Live events (Server-Sent Events)',
        'Events `data`, `feed`, `group`, `dashboard`, `block`, `throttle` and `ban` of the session’s account, as the session may see them; comment heartbeats. Ends with the session.',
        [],
        { '200': { description: 'text/event-stream' } },
        ['401'],
      ),
    },
    '/api/v2/{username}/feeds/{feed_key}/data/prev': {},
    '/api/v2/{username}/dashboards/{dashboard_id}/update_layouts': {
      post: op(
        'Dashboards',
        'Update layouts',
        'Body: `{"layouts": {"xl": [...], "lg": [...], ...}}`: the position of each block per breakpoint.',
        [
          U,
          path('dashboard_id', 'a dashboard key or id'),
          body('the layouts', { type: 'object', properties: { layouts: { type: 'object' } } }),
        ],
        { '200': { description: 'the dashboard', schema: def('Dashboard') } },
        ['400', '401', '403', '404', '422'],
      ),
    },
    '/api/v2/{username}/feeds/{feed_key}/webhooks': {
      get: op('Webhooks', 'Webhook receivers of a feed', 'Account key only.', [U, FEED], {
        '200': { description: 'receivers', schema: { type: 'array', items: { type: 'object' } } },
      }),
      post: op(
        'Webhooks',
        'Create a webhook receiver',
        'Account key only. The answer carries the receiver URL, once.',
        [U, FEED, body('`{"webhook": {...}}`')],
        {
          '200': { description: 'the receiver with its URL', schema: { type: 'object' } },
        },
        ['400', '401', '403', '404', '422'],
      ),
    },
    '/api/v2/{username}/feeds/{feed_key}/webhooks/{id}': {
      delete: op('Webhooks', 'Delete a webhook receiver', 'Account key only.', [U, FEED, ID], { '200': { description: 'deleted' } }),
    },
    '/api/v2/webhooks/feed/{token}/notify': {
      post: op(
        'Webhooks',
        'Notify webhook',
        'Stores "ping" on the feed; the body is ignored. No key: the token is the credential.',
        [path('token', 'the receiver token')],
        {
          '200': { description: 'the stored point', schema: def('Data') },
        },
        ['404', '429'],
      ),
    },
    '/api/v2/{username}/actions': {
      get: op(
        'Actions',
        'All actions',
        'Same as `/triggers`.',
        [U],
        { '200': { description: 'actions', schema: { type: 'array', items: def('Trigger') } } },
        ['401', '403'],
      ),
      post: op(
        'Actions',
        'Create an action',
        'Same as `POST /triggers`.',
        [U, ACTION_BODY],
        { '200': { description: 'the new action', schema: def('Trigger') } },
        ['400', '401', '403', '422'],
      ),
    },
    '/api/v2/{username}/actions/{id}': {
      get: op('Actions', 'One action', '', [U, ID], { '200': { description: 'the action', schema: def('Trigger') } }),
      put: updateAction,
      patch: updateAction,
      delete: op('Actions', 'Delete an action', '', [U, ID], { '200': { description: 'deleted' } }),
    },
    '/api/v2/{username}/integrations/time/struct': timeOp(
      'Time as a struct',
      'Year, month, day, hour, minute, second, weekday, yearday, DST flag.',
      [query('tz', 'an IANA time zone')],
    ),
    '/api/v2/{username}/integrations/time/strftime': timeOp('Formatted time', 'The time formatted with `fmt` (strftime).', [
      query('fmt', 'a strftime format'),
      query('tz', 'an IANA time zone'),
    ]),
    '/api/v2/{username}/integrations/time/seconds': timeOp('Seconds since the epoch', 'UTC, as text.'),
    '/api/v2/{username}/integrations/time/millis': timeOp('Milliseconds since the epoch', 'UTC, as text.'),
    '/api/v2/{username}/integrations/time/ISO-8601': timeOp('ISO 8601 time', 'UTC, as text.'),
    ...integration('words', 'randomizer', 'randomizer'),
    ...integration('weather', 'weather', 'weather'),
    ...integration('air_quality', 'air quality', 'air_quality'),
    '/api/v2/{username}/integrations/air_quality/{id}/{forecast}': {
      get: op(
        'Integrations',
        'One air-quality forecast',
        '`current`, `forecast_today` or `forecast_tomorrow`.',
        [U, ID, path('forecast', 'current, forecast_today or forecast_tomorrow')],
        {
          '200': { description: 'the forecast', schema: { type: 'object' } },
        },
      ),
    },
  },
};

/** Data routes of a feed also reached through a group (`/groups/{group_key}/feeds/{feed_key}/data/...`). */
export const GROUP_FEED_DATA = ['/first', '/last', '/next', '/previous', '/prev', '/retain', '/chart', '/{id}'];

/** `prev` is another name for `previous`. */
export const ALIASES: Record<string, string> = {
  '/api/v2/{username}/feeds/{feed_key}/data/prev': '/api/v2/{username}/feeds/{feed_key}/data/previous',
};
