// The empty descriptor of image-spec 1.1: the config of artifacts that have none.
import { MediaType } from './media-types.js';
import type { Descriptor } from './types.js';

export const EMPTY_JSON = Buffer.from('{}');

export const EMPTY_CONFIG_DESCRIPTOR: Descriptor = {
  mediaType: MediaType.empty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
};
