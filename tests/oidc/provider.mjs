// A council's OpenID provider for the tests: the npm package oidc-provider on 127.0.0.1, with one
// confidential client (PKCE required), test accounts, RP-initiated logout, and a plain sign-in page
// (type an account's id, press "Sign in") that tests drive with requests or Chromium.
//
//   node tests/oidc/provider.mjs PORT
//
// Environment (all JSON strings):
//   OIDC_TEST_CLIENT    {"client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri"}
//   OIDC_TEST_ACCOUNTS  [{"id", "email", "email_verified", "name", "tamper"}], where tamper is
//                       "nonce" (the ID token carries another nonce, signed by the provider's own key)
//                       or "signature" (the ID token is signed by an impostor key with the same kid).
// GET /test/log lists what the provider was asked (authorize, token, end_session), for assertions.
// Nothing here reaches beyond 127.0.0.1, and its pages load nothing from elsewhere.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.PORT);
const client = JSON.parse(process.env.OIDC_TEST_CLIENT);
const accounts = new Map(JSON.parse(process.env.OIDC_TEST_ACCOUNTS).map((account) => [account.id, account]));
const issuer = `http://127.0.0.1:${port}`;
const KID = 'test-key';
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const impostorKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const requests = [];

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>`
    + '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function signInForm(uid, error = '') {
  return page('Sign in to the test council', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}">
      <label for="account">Account</label>
      <input id="account" name="account" autocomplete="username" required>
      <button type="submit">Sign in</button>
    </form>`);
}

const base64url = (data) => Buffer.from(data).toString('base64url');

// Re-sign an ID token as a misbehaving provider or an impostor would (see OIDC_TEST_ACCOUNTS).
function tampered(idToken) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  const tamper = accounts.get(claims.sub)?.tamper;
  if (tamper !== 'nonce' && tamper !== 'signature') return idToken;
  if (tamper === 'nonce') claims.nonce = `forged-${claims.nonce}`;
  const input = `${header}.${base64url(JSON.stringify(claims))}`;
  const key = tamper === 'signature' ? impostorKey : signingKey;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: [client.redirect_uri],
    post_logout_redirect_uris: [client.post_logout_redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // the email claims go in the ID token, as councils' providers do
  async findAccount(_ctx, id) {
    const account = accounts.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: account.email_verified, name: account.name };
      },
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out of the test council?', `${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out of the test council', '<p>You have signed out.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('The test council refused', `<p>${escape(out.error)}: ${escape(out.error_description)}</p>`);
  },
});

provider.use(async (ctx, next) => {
  await next();
  const route = ctx.oidc?.route;
  if (route === 'authorization') requests.push({ kind: 'authorize', ...ctx.query });
  if (route === 'end_session') requests.push({ kind: 'end_session', ...ctx.query });
  if (route === 'token') {
    const body = ctx.oidc.body ?? {};
    requests.push({ kind: 'token', grant_type: body.grant_type, has_code_verifier: Boolean(body.code_verifier) });
    if (ctx.status === 200 && ctx.body?.id_token) ctx.body = { ...ctx.body, id_token: tampered(ctx.body.id_token) };
  }
});

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// Signing in grants this client the scopes it asked for, so there is no separate consent page.
async function finish(req, res, details, accountId) {
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, {
    mergeWithLastSubmission: false,
  });
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const html = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  if (details.prompt.name !== 'login') return finish(req, res, details, details.session.accountId);
  if (req.method === 'GET') return html(200, signInForm(uid));
  const accountId = (await readForm(req)).get('account') ?? '';
  if (!accounts.has(accountId)) return html(400, signInForm(uid, `There is no account "${accountId}".`));
  return finish(req, res, details, accountId);
}

const handle = provider.callback();

createServer(async (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const uid = /^\/interaction\/([\w-]+)$/.exec(path)?.[1];
  try {
    if (uid) return await interaction(req, res, uid);
    if (path === '/test/log') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(requests));
    }
    return handle(req, res);
  } catch (error) {
    console.error(error);
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end(`The test council could not go on: ${error.message}`);
  }
}).listen(port, '127.0.0.1', () => console.log(`test OpenID provider at ${issuer}`));
