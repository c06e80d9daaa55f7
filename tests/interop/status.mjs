// Badges the service issued, each in a given status state, checked by the two reference
// verifiers' own status code (no status logic of ours on this side):
//
// * Digital Bazaar: @digitalbazaar/vc verifyCredential() with checkStatus from
//   @digitalbazaar/vc-bitstring-status-list, through a document loader that serves only our
//   pinned contexts and the documents handed in.
// * DCC: @digitalcredentials/verifier-core verifyCredential(), exactly as the Learner Credential
//   Wallet and VerifierPlus call it. Its document loader, did:web resolver and 1EdTech schema
//   check fetch over HTTP; globalThis.fetch is replaced (before verifier-core is loaded) by a map
//   of the documents handed in, our pinned contexts and our copies of the 1EdTech schemas. Any
//   other URL is refused, so nothing touches the network.
//
// Input (JSON file named by argv[2]): {"cases": [{"name", "credential", "documents"}]}
//   documents - {DID or URL: document}: the issuer's DID document under its DID, the status list
//               credential under its URL, as the service served them for that state.
// Output (stdout, JSON): {"results": [{"name", "db": {...}, "dcc": {...}}]}
//   db  - {verified, statusVerified, status (the bit it read), error}
//   dcc - {signature, status: {id, valid, error}, schema: [{schema, valid}], errors}
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

import {contexts} from './loader.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = join(here, '..', '..', 'badges', 'schemas');
const schemas = new Map(Object.entries(JSON.parse(readFileSync(join(schemaDir, 'index.json'), 'utf8'))).map(
  ([url, entry]) => [url, JSON.parse(readFileSync(join(schemaDir, entry.file), 'utf8'))]));

// did:web Read (DIDWEB §3.2): did:web:host%3Aport:a:b -> https://host:port/a/b/did.json
function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return `https://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

// ---- Digital Bazaar ---------------------------------------------------------------------------

function servedLoader(documents) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    const hash = url.indexOf('#');
    const base = hash < 0 ? url : url.slice(0, hash);
    const document = documents[base];
    if(document === undefined) {
      throw new Error(`document not allowed: ${url}`);
    }
    if(hash < 0) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
    }
    const method = (document.verificationMethod ?? []).find(m => m.id === url || (base + m.id) === url);
    if(method === undefined) {
      throw new Error(`${url} is not listed in the document of ${base}`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...structuredClone(method), id: url}
    };
  };
}

async function digitalBazaar(c) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({
    credential: c.credential, suite, documentLoader: servedLoader(c.documents), checkStatus
  });
  const statusResult = result.statusResult ?? {};
  const errors = (result.results ?? []).map(r => r.error?.message).filter(Boolean);
  return {
    verified: result.verified === true,
    statusVerified: statusResult.verified ?? null,
    // vc-bitstring-status-list reports the bit it read; deciding what it means is the caller's
    status: statusResult.results?.[0]?.status ?? null,
    error: [result.error?.message, statusResult.error?.message, ...errors].filter(Boolean).join('; ') || null
  };
}

// ---- DCC --------------------------------------------------------------------------------------

let served = new Map();

globalThis.fetch = async input => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  const body = served.get(url) ?? contexts.get(url) ?? schemas.get(url);
  if(body === undefined) {
    return new Response(JSON.stringify({error: `not served: ${url}`}), {
      status: 404, headers: {'content-type': 'application/json'}
    });
  }
  return new Response(JSON.stringify(body), {status: 200, headers: {'content-type': 'application/json'}});
};

const dcc = await import('@digitalcredentials/verifier-core');

async function digitalCredentials(c) {
  served = new Map();
  for(const [id, document] of Object.entries(c.documents)) {
    served.set(id.startsWith('did:web:') ? didWebUrl(id) : id, document);
  }
  const result = await dcc.verifyCredential({credential: c.credential, knownDIDRegistries: []});
  const log = result.log ?? [];
  const status = log.find(entry => entry.id.endsWith('_status')) ?? null;
  const schemaCheck = (result.additionalInformation ?? []).find(entry => entry.id === 'schema_check');
  const schemaResults = Array.isArray(schemaCheck?.results) ? schemaCheck.results : [];
  return {
    signature: log.find(entry => entry.id === 'valid_signature')?.valid ?? null,
    status: status && {id: status.id, valid: status.valid ?? null, error: status.error?.message ?? null},
    schema: schemaResults.map(r => ({
      schema: r.schema, valid: r.result?.valid === true,
      errors: (r.result?.errors ?? []).map(e => `${e.instancePath} ${e.message}`)
    })),
    errors: (result.errors ?? []).map(e => `${e.name}: ${e.message}`)
  };
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for(const c of input.cases) {
  const out = {name: c.name};
  try {
    out.db = await digitalBazaar(c);
  } catch(e) {
    out.db = {verified: false, error: `exception: ${e.message}`};
  }
  try {
    out.dcc = await digitalCredentials(c);
  } catch(e) {
    out.dcc = {errors: [`exception: ${e.message}`]};
  }
  results.push(out);
}
process.stdout.write(JSON.stringify({results}) + '\n');
