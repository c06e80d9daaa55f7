// A wallet receiving a badge by OpenID4VCI's pre-authorized code flow, driven by Sphereon's
// wallet-side client (@sphereon/oid4vci-client): it resolves the credential offer URI, reads the
// issuer's metadata, trades the pre-authorized code and transaction code for an access token, and
// asks for the credential with a key proof (openid4vci-proof+jwt) that this script signs with the
// wallet's Ed25519 key (node:crypto, from a fixed seed).
//
// Input (JSON file named by argv[2]): {"wallets": [{"name", "offer", "pin", "seed": hex, "kid", "context"}]}
// Output (stdout, JSON): {"wallets": [{"name", "credential", "version", "error"}]}
import {createPrivateKey, sign} from 'node:crypto';
import {readFileSync} from 'node:fs';

import {OpenID4VCIClient} from '@sphereon/oid4vci-client';

const b64url = value => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signer(seedHex) {
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410)
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  const key = createPrivateKey({key: der, format: 'der', type: 'pkcs8'});
  return async (jwt, kid) => {
    const header = {...jwt.header, kid: jwt.header.kid ?? kid};
    const input = `${b64url(header)}.${b64url(jwt.payload)}`;
    return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
  };
}

async function receive(w) {
  const out = {name: w.name, credential: null, version: null, error: null};
  try {
    const client = await OpenID4VCIClient.fromURI({uri: w.offer, kid: w.kid, alg: 'EdDSA', retrieveServerMetadata: true});
    out.version = client.version();
    await client.acquireAccessToken({pin: w.pin});
    const response = await client.acquireCredentials({
      credentialTypes: ['VerifiableCredential', 'OpenBadgeCredential'], format: 'ldp_vc', context: w.context,
      proofCallbacks: {signCallback: signer(w.seed)}, kid: w.kid, alg: 'EdDSA'
    });
    out.credential = response.credential ?? response.credentials?.[0]?.credential ?? null;
    if(!out.credential) {
      out.error = `no credential in the response: ${JSON.stringify(response).slice(0, 500)}`;
    }
  } catch(e) {
    out.error = String(e?.message ?? e);
  }
  return out;
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const wallets = [];
for(const w of input.wallets) {
  wallets.push(await receive(w));
}
process.stdout.write(JSON.stringify({wallets}));
