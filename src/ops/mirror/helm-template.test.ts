import { describe, expect, it } from 'vitest';
import { findHelm, helmTemplateImages, imagesInRenderedYaml } from './helm-template.js';

describe('images in helm template output', () => {
  it('reads image: lines, normalised, each once', () => {
    const text = 'spec:\n  containers:\n    - name: a\n      image: "nginx:1.25"\n    - image: ghcr.io/o/app@sha256:' + 'a'.repeat(64) + '\n      image: nginx:1.25\n';
    expect(imagesInRenderedYaml(text)).toEqual(['docker.io/library/nginx:1.25', `ghcr.io/o/app@sha256:${'a'.repeat(64)}`]);
  });

  // helm is not installed on the test bed; this runs only where it is.
  it.skipIf(process.env.LAZYOCI_TEST_HELM === undefined)('runs helm template when helm is on PATH', async () => {
    const helm = await findHelm(process.env);
    expect(helm).toBeDefined();
    expect(await helmTemplateImages(helm!, Buffer.alloc(0))).toEqual([]);
  });
});
