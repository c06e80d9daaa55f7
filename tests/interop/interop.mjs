// Cross-check our eddsa-rdfc-2022 proofs with Digital Bazaar's implementation.
//
// Input (JSON file named by argv[2]): {"cases": [{"name", "signed", "unsigned", "created",
//   "secretKeyMultibase", "publicKeyMultibase", "verificationMethod", "controller", "now"}]}
// Output (stdout, JSON): {"results": [{"name", "verified", "error", "proofValue"}]}
//   verified   - @digitalbazaar/vc verifyCredential() on the credential WE signed
//   proofValue - the proofValue JS produces signing `unsigned` with the same key and `created`
// Contexts come only from badges/jsonld/contexts (index.json); any other URL is refused, and
// the verification method / controller documents are served from memory: no network.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const here = dirname(fileURLToPath(import.meta.url));
const contextDir = join(here, '..', '..', 'badges', 'jsonld', 'contexts');
const index = JSON.parse(readFileSync(join(contextDir, 'index.json'), 'utf8'));
const contexts = new Map(Object.entries(index).map(
  ([url, entry]) => [url, JSON.parse(readFileSync(join(contextDir, entry.file), 'utf8'))]));

function makeLoader(extra) {
  return async url => {
    const document = contexts.get(url) ?? extra.get(url);
    if(document === undefined) {
      throw new Error(`document not allowed: ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
  };
}

function keyDocuments(c) {
  const vm = {
    '@context': 'https://w3id.org/security/multikey/v1',
    id: c.verificationMethod,
    type: 'Multikey',
    controller: c.controller,
    publicKeyMultibase: c.publicKeyMultibase
  };
  const controllerDoc = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: c.controller,
    verificationMethod: [vm],
    assertionMethod: [c.verificationMethod]
  };
  return new Map([[c.verificationMethod, vm], [c.controller, controllerDoc]]);
}

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

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for(const c of input.cases) {
  try {
    results.push(await runCase(c));
  } catch(e) {
    results.push({name: c.name, verified: false, error: `exception: ${e.message}`, proofValue: null});
  }
}
process.stdout.write(JSON.stringify({results}) + '\n');
