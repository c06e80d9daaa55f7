// A wallet's DIDAuth answer, signed by Digital Bazaar's JavaScript stack as the Learner Credential
// Wallet signs it: a VerifiablePresentation with the holder's did:key, an Ed25519Signature2020
// proof with proofPurpose "authentication" and the issuer's challenge (@digitalbazaar/vc
// signPresentation, @digitalbazaar/ed25519-signature-2020, @digitalbazaar/ed25519-verification-key-2020).
//
// Input (JSON file named by argv[2]): {"cases": [{"name", "seed": hex of 32 bytes, "challenge",
//   "domain"?, "purpose"?: "authentication" (default) | "assertionMethod", "created"?: ISO date}]}
// Output (stdout, JSON): {"presentations": [{"name", "holder", "presentation"}]}
// Contexts come only from badges/jsonld/contexts (loader.mjs): no network.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import jsigs from 'jsonld-signatures';

import {makeLoader} from './loader.mjs';

const documentLoader = makeLoader(new Map());

async function sign(c) {
  const seed = Uint8Array.from(Buffer.from(c.seed, 'hex'));
  const probe = await Ed25519VerificationKey2020.generate({seed});
  const holder = `did:key:${probe.fingerprint()}`;
  const key = await Ed25519VerificationKey2020.generate({seed, controller: holder, id: `${holder}#${probe.fingerprint()}`});
  const suite = new Ed25519Signature2020({key, date: c.created ? new Date(c.created) : undefined});
  const presentation = vc.createPresentation({holder, version: c.v1 ? 1.0 : 2.0});
  const purpose = c.purpose === 'assertionMethod' ?
    new jsigs.purposes.AssertionProofPurpose() : undefined;
  const signed = await vc.signPresentation({
    presentation, suite, challenge: c.challenge, domain: c.domain, documentLoader,
    ...(purpose ? {purpose} : {})
  });
  return {name: c.name, holder, presentation: signed};
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const presentations = [];
for(const c of input.cases) {
  presentations.push(await sign(c));
}
process.stdout.write(JSON.stringify({presentations}));
