// The static document loader shared by interop.mjs and bench/js_sign_bench.mjs. JSON-LD
// contexts come only from the pinned copies in badges/jsonld/contexts (index.json); other
// documents (a verification method, its controller) are handed in and served from memory;
// any other URL is refused, so neither script ever touches the network.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const contextDir = join(here, '..', '..', 'badges', 'jsonld', 'contexts');
const index = JSON.parse(readFileSync(join(contextDir, 'index.json'), 'utf8'));
export const contexts = new Map(Object.entries(index).map(
  ([url, entry]) => [url, JSON.parse(readFileSync(join(contextDir, entry.file), 'utf8'))]));

export function makeLoader(extra) {
  return async url => {
    const document = contexts.get(url) ?? extra.get(url);
    if(document === undefined) {
      throw new Error(`document not allowed: ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
  };
}

// The Multikey verification method and its controller document for a key described by
// c.verificationMethod, c.controller and c.publicKeyMultibase, keyed by their ids.
export function keyDocuments(c) {
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
