// node-oidc-provider configured as the comparison server of bench/compare: one client with a
// secret, client_credentials, introspection, and access tokens for one resource server,
// as JWTs signed with ALG (ES256 or RS256), or opaque with FORMAT=opaque (what its
// introspection looks up). Production mode, in-memory adapter, no interactions.
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK } from 'jose';

const port = Number(process.env.PORT || 3100);
const alg = process.env.ALG || 'ES256';
const format = process.env.FORMAT || 'jwt';
const { privateKey } = await generateKeyPair(alg, { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `bench-${alg}` };
const resource = 'https://api.bench.example';

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    introspection_endpoint_auth_method: 'client_secret_post',
    scope: 'openid api:read',
    id_token_signed_response_alg: alg,
  }],
  jwks: { keys: [jwk] },
  scopes: ['openid', 'api:read'],
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: resource,
        accessTokenFormat: format,
        jwt: { sign: { alg } },
      }),
    },
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`node-oidc-provider ${alg} ${format} on ${port}`));
