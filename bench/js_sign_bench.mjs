// eddsa-rdfc-2022 sign/verify timed on the reference JavaScript stack (Digital Bazaar's
// @digitalbazaar/vc + data-integrity + eddsa-rdfc-2022-cryptosuite + ed25519-multikey).
//
// Run by bench/bench_sign.py:  node bench/js_sign_bench.mjs <dir>
// <dir>/input.json: {"credential", "signed", "created", "now", "secretKeyMultibase",
//   "publicKeyMultibase", "verificationMethod", "controller", "clock": "cpu"|"wall",
//   "minTime": seconds, "repeats", "warmup": ops, "n": ops per batch or null (calibrate)}
//   credential - the unsigned credential; signed - the same credential as Python signed it
// Output (stdout, JSON): {"node", "packages", "proofValue", "proofValueMatches", "verified",
//   "tamperedRefused", "sign": {"n", "cpu": [...], "wall": [...]}, "verify": {...}}
//   cpu/wall - seconds per operation, one entry per batch; cpu is process.cpuUsage() (user +
//   system, all threads of this process), the same measure as Python's time.process_time.
//
// The packages are resolved from tests/interop/node_modules (ESM ignores NODE_PATH, so they are
// imported by path). The static document loader is tests/interop/loader.mjs, shared with
// interop.mjs: contexts only from badges/jsonld/contexts, the verification method and its
// controller from memory, no network.
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

import {keyDocuments, makeLoader} from '../tests/interop/loader.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const interop = join(root, 'tests', 'interop');
const requireInterop = createRequire(join(interop, 'package.json'));

async function load(name) {
  return import(pathToFileURL(requireInterop.resolve(name)).href);
}

function version(name) {
  return JSON.parse(readFileSync(join(interop, 'node_modules', ...name.split('/'), 'package.json'),
    'utf8')).version;
}

const PACKAGES = ['@digitalbazaar/vc', '@digitalbazaar/data-integrity',
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite', '@digitalbazaar/ed25519-multikey', 'jsonld',
  'rdf-canonize'];

const vc = await load('@digitalbazaar/vc');
const Ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');
const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
const {cryptosuite} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');

const input = JSON.parse(readFileSync(join(process.argv[2], 'input.json'), 'utf8'));
const documentLoader = makeLoader(keyDocuments(input));
const now = new Date(input.now);
// badges.signing.verify_proof checks the proof only; the status list is not fetched on either
// side, but vc.verifyCredential insists on a checkStatus function when credentialStatus is set.
const checkStatus = async () => ({verified: true});

const keyPair = await Ed25519Multikey.from({
  '@context': 'https://w3id.org/security/multikey/v1',
  type: 'Multikey',
  id: input.verificationMethod,
  controller: input.controller,
  publicKeyMultibase: input.publicKeyMultibase,
  secretKeyMultibase: input.secretKeyMultibase
});
const signer = keyPair.signer();

async function sign() {
  const suite = new DataIntegrityProof({signer, date: input.created, cryptosuite});
  return vc.issue({credential: structuredClone(input.credential), suite, documentLoader, now});
}

async function verify(credential = input.signed) {
  const suite = new DataIntegrityProof({cryptosuite});
  return vc.verifyCredential({credential, suite, documentLoader, now, checkStatus});
}

function lastProof(doc) {
  const proofs = [].concat(doc.proof);
  return proofs[proofs.length - 1];
}

// Correctness before timing: same bytes as Python, Python's proof verifies, a tampered twin not.
const signed = await sign();
const proofValue = lastProof(signed).proofValue;
const ours = lastProof(input.signed).proofValue;
const verification = await verify();
const tampered = structuredClone(input.signed);
tampered.name = 'Tampered';
const tamperedResult = await verify(tampered);

const cpuSeconds = () => {
  const {user, system} = process.cpuUsage();
  return (user + system) / 1e6;
};
const wallSeconds = () => Number(process.hrtime.bigint()) / 1e9;
const clock = input.clock === 'wall' ? wallSeconds : cpuSeconds;

async function run(fn, n) {
  for(let i = 0; i < n; ++i) {
    await fn();
  }
}

// Same batch logic as measure() in bench_sign.py, after a warm-up for V8's optimizing compiler.
async function measure(fn) {
  await run(fn, input.warmup);
  let n = input.n;
  if(!n) {
    n = 1;
    let elapsed;
    for(;;) {
      const start = clock();
      await run(fn, n);
      elapsed = clock() - start;
      if(elapsed >= input.minTime / 4) {
        break;
      }
      n *= 2;
    }
    n = Math.max(1, Math.floor(n * (input.minTime / Math.max(elapsed, 1e-9))));
  }
  const cpu = [];
  const wall = [];
  for(let r = 0; r < input.repeats; ++r) {
    const c0 = cpuSeconds();
    const w0 = wallSeconds();
    await run(fn, n);
    wall.push((wallSeconds() - w0) / n);
    cpu.push((cpuSeconds() - c0) / n);
  }
  return {n, cpu, wall};
}

const output = {
  node: process.version,
  packages: Object.fromEntries(PACKAGES.map(name => [name, version(name)])),
  proofValue,
  proofValueMatches: proofValue === ours,
  created: lastProof(signed).created,
  verified: verification.verified === true,
  verifyError: verification.verified ? null :
    [verification.error?.message,
      ...(verification.results ?? []).map(r => r.error?.message ?? String(r.error))]
      .filter(Boolean).join('; '),
  tamperedRefused: tamperedResult.verified === false
};
if(output.proofValueMatches && output.verified && output.tamperedRefused) {
  output.sign = await measure(sign);
  output.verify = await measure(async () => {
    if(!(await verify()).verified) {
      throw new Error('verification failed while timing');
    }
  });
}
process.stdout.write(JSON.stringify(output) + '\n');
