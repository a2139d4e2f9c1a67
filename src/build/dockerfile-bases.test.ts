import { describe, expect, it } from 'vitest';
import { dockerfileBaseImages, imageRegistryHost } from './dockerfile-bases.js';

describe('dockerfileBaseImages', () => {
  it('lists FROM, COPY --from and RUN --mount=from images, without stages, scratch or repeats', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build',
      'RUN --mount=type=cache,from=127.0.0.1:5000/cache/go:1,target=/root go build',
      'FROM scratch',
      'COPY --from=build /out /app',
      'COPY --from=ghcr.io/acme/tools:2 /bin/tool /bin/tool',
      'FROM golang:1.23-alpine',
    ].join('\n');
    expect(dockerfileBaseImages(text)).toEqual(['golang:1.23-alpine', '127.0.0.1:5000/cache/go:1', 'ghcr.io/acme/tools:2']);
  });

  it('substitutes global ARGs, with build args over their defaults, across line continuations', () => {
    const text = 'ARG REGISTRY=docker.io\nARG BASE="alpine"\nARG TAG\nFROM \\\n  ${REGISTRY}/library/$BASE:${TAG:-3}\nARG LATE=x\nFROM $LATE';
    expect(dockerfileBaseImages(text)).toEqual(['docker.io/library/alpine:3']);
    expect(dockerfileBaseImages(text, { REGISTRY: 'localhost:5050', TAG: '3.20' })).toEqual(['localhost:5050/library/alpine:3.20']);
  });
});

describe('imageRegistryHost', () => {
  it('follows Docker: a first component with a dot, a colon or localhost is a host, else Docker Hub', () => {
    expect(imageRegistryHost('golang')).toBe('docker.io');
    expect(imageRegistryHost('library/golang:1')).toBe('docker.io');
    expect(imageRegistryHost('index.docker.io/library/golang')).toBe('docker.io');
    expect(imageRegistryHost('127.0.0.1:5050/base/alpine:3')).toBe('127.0.0.1:5050');
    expect(imageRegistryHost('localhost/x')).toBe('localhost');
    expect(imageRegistryHost('GHCR.io/acme/app@sha256:ab')).toBe('ghcr.io');
  });
});
