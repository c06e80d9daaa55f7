// Cross-check our eddsa-rdfc-2022 proofs with Digital Bazaar's implementation.
//
// Input (JSON file named by argv[2]): {"cases": [{"name", "signed", "unsigned", "created",
//   "secretKeyMultibase", "publicKeyMultibase", "verificationMethod", "controller", "now"}]}
// Output (stdout, JSON): {"results": [{"name", "verified", "error", "proofValue"}]}
//   verified   - @digitalbazaar/vc verifyCredential() on the credential WE signed
//   proofValue - the proofValue JS produces signing `unsigned` with the same key and `created`
// Contexts come only from badges/jsonld/contexts (index.json); any other URL is refused, and
// the verification method / controller documents are served from memory: no network
// (loader.mjs).
//
// Second mode, for badges the SERVICE issued: {"served": [{"name", "credential", "documents", "now"}]}
//   documents - {id or URL: document} as the service serves them: its did:web DID document (under
//               the DID) and the status list credentials (under their URLs). A DID URL
//               (<did>#<key>) is resolved inside the DID document, as a did:web resolver does.
// Output adds {"served": [{"name", "verified", "error", "status"}]} (the "bundled" cases too, see
// bundleLoader); the Bitstring status check below is our own few lines (no status-list package):
// it verifies the list credential's proof with the same suite, checks issuer and purpose, then
// reads the bit.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {contexts, keyDocuments, makeLoader} from './loader.mjs';

async function runCase(c) {
  const documentLoader = makeLoader(keyDocuments(c));
  const result = {name: c.name, verified: false, error: null, proofValue: null};

  const verifySuite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const verification = await vc.verifyCredential({
    credential: c.signed, suite: verifySuite, documentLoader, now: new Date(c.now)
  });
  result.verified = verification.verified === true;
  if(!result.verified) {
    const errors = (verification.results ?? []).map(r => r.error?.message ?? String(r.error));
    result.error = [verification.error?.message, ...errors].filter(Boolean).join('; ');
  }

  const keyPair = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: c.verificationMethod,
    controller: c.controller,
    publicKeyMultibase: c.publicKeyMultibase,
    secretKeyMultibase: c.secretKeyMultibase
  });
  const signSuite = new DataIntegrityProof({
    signer: keyPair.signer(), date: c.created, cryptosuite: eddsaRdfc2022CryptoSuite
  });
  const signed = await vc.issue({
    credential: structuredClone(c.unsigned), suite: signSuite, documentLoader, now: new Date(c.now)
  });
  const proofs = Array.isArray(signed.proof) ? signed.proof : [signed.proof];
  result.proofValue = proofs[proofs.length - 1].proofValue;
  result.created = proofs[proofs.length - 1].created;
  return result;
}

function servedLoader(documents) {
  const served = new Map(Object.entries(documents));
  return lookupLoader(base => served.get(base));
}

// Third mode, an offline bundle made by `badges bundle` (a folder tree): {"bundled": [{"name",
// "credential", "bundle", "now"}]}. The loader maps each URL to a file by its own reading of the
// layout, not ours: did:web:<host>[:<path>...] → <host>/<path or .well-known>/did.json (DIDWEB
// "Read", host percent-decoded), http(s)://<host>/<path> → <host>/<path>.
function bundlePath(url) {
  if(url.startsWith('did:web:')) {
    const parts = url.split(':').slice(2).map(decodeURIComponent);
    const segments = parts.length > 1 ? parts.slice(1) : ['.well-known'];
    return [parts[0], ...segments, 'did.json'];
  }
  const parsed = new URL(url);
  return [parsed.host, ...parsed.pathname.split('/').slice(1)];
}

function bundleLoader(dir) {
  return lookupLoader(base => {
    const segments = bundlePath(base);
    if(segments.some(s => s === '..' || s === '.' || s === '')) {
      return undefined;
    }
    try {
      return JSON.parse(readFileSync(join(dir, ...segments), 'utf8'));
    } catch(e) {
      return undefined;
    }
  });
}

function lookupLoader(find) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    const hash = url.indexOf('#');
    const base = hash < 0 ? url : url.slice(0, hash);
    const document = find(base);
    if(document === undefined) {
      throw new Error(`document not allowed: ${url}`);
    }
    if(hash < 0) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
    }
    const method = (document.verificationMethod ?? []).find(
      m => m.id === url || (base + m.id) === url);
    if(method === undefined) {
      throw new Error(`${url} is not listed in the document of ${base}`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...structuredClone(method), id: url}
    };
  };
}

function idOf(value) {
  return typeof value === 'string' ? value : value?.id;
}

async function checkBitstringStatus({credential, documentLoader, now}) {
  const entries = [].concat(credential.credentialStatus);
  for(const entry of entries) {
    if(entry.type !== 'BitstringStatusListEntry') {
      return {verified: false, error: `unsupported status type ${entry.type}`};
    }
    const {document: list} = await documentLoader(entry.statusListCredential);
    const listResult = await vc.verifyCredential({
      credential: list, suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite}),
      documentLoader, now
    });
    if(!listResult.verified) {
      return {verified: false, error: 'the status list credential does not verify'};
    }
    if(idOf(list.issuer) !== idOf(credential.issuer)) {
      return {verified: false, error: 'the status list has another issuer'};
    }
    const subject = list.credentialSubject;
    if(subject.statusPurpose !== entry.statusPurpose) {
      return {verified: false, error: 'status purpose mismatch'};
    }
    const encoded = subject.encodedList.startsWith('u') ? subject.encodedList.slice(1) : subject.encodedList;
    const bits = gunzipSync(Buffer.from(encoded, 'base64url'));
    const index = Number.parseInt(entry.statusListIndex, 10);
    if(!(index >= 0 && index < bits.length * 8)) {
      return {verified: false, error: `status index ${entry.statusListIndex} out of range`};
    }
    // Bitstring Status List: index 0 is the left-most (most significant) bit of the first byte.
    if((bits[index >> 3] >> (7 - (index & 7))) & 1) {
      return {verified: false, error: `${entry.statusPurpose} bit ${index} is set`};
    }
  }
  return {verified: true};
}

async function runServed(c) {
  const documentLoader = c.bundle === undefined ? servedLoader(c.documents) : bundleLoader(c.bundle);
  const result = {name: c.name, verified: false, error: null, status: null};
  const verification = await vc.verifyCredential({
    credential: c.credential, suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite}),
    documentLoader, now: new Date(c.now), checkStatus: checkBitstringStatus
  });
  result.verified = verification.verified === true;
  result.status = verification.statusResult ?? null;
  if(!result.verified) {
    const errors = (verification.results ?? []).map(r => r.error?.message ?? String(r.error));
    result.error = [verification.error?.message, verification.statusResult?.error, ...errors]
      .filter(Boolean).join('; ');
  }
  return result;
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for(const c of input.cases ?? []) {
  try {
    results.push(await runCase(c));
  } catch(e) {
    results.push({name: c.name, verified: false, error: `exception: ${e.message}`, proofValue: null});
  }
}
const served = [];
for(const c of [...(input.served ?? []), ...(input.bundled ?? [])]) {
  try {
    served.push(await runServed(c));
  } catch(e) {
    served.push({name: c.name, verified: false, error: `exception: ${e.message}`, status: null});
  }
}
process.stdout.write(JSON.stringify({results, served}) + '\n');
