import { Readable } from 'node:stream';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { StorageConfig } from '@voicedesk/config';
import { checkKey, checkPrefix, checkRange, checkTtl } from './checks.ts';
import {
  type ByteRange,
  type ObjectStore,
  RangeNotSatisfiableError,
  type StoredObject,
} from './object-store.ts';

export type S3StorageConfig = Extract<StorageConfig, { kind: 's3' }>;

function client(config: S3StorageConfig, endpoint: string | undefined): S3Client {
  return new S3Client({
    endpoint,
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    forcePathStyle: config.forcePathStyle,
    // The SDK's default since 3.729 adds CRC32 checksum headers to every upload and asks for them
    // on downloads, which several S3-compatible stores (B2, R2, older MinIO) reject or mishandle.
    // Checksums only where the S3 API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The SDK's error for a missing key: `NoSuchKey` from GET, a bare `NotFound` from HEAD. */
function isMissing(err: unknown): boolean {
  return err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound');
}

function errorStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** `attachment` with an ASCII fallback and the exact name in RFC 5987 form (RFC 6266). */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._ -]/g, '_');
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export function createS3Store(config: S3StorageConfig): ObjectStore {
  const s3 = client(config, config.endpoint);
  // A URL is signed for the host it names: the browser's host when it differs from ours.
  const signer = config.publicEndpoint ? client(config, config.publicEndpoint) : s3;
  const Bucket = config.bucket;

  async function size(key: string): Promise<number | null> {
    checkKey(key);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  return {
    kind: 's3',
    bucket: Bucket,

    async ensureReady() {
      try {
        await s3.send(new HeadBucketCommand({ Bucket }));
        return;
      } catch (err) {
        if (errorStatus(err) !== 404) throw err;
      }
      // Private, as every new bucket is: no policy, no ACL, so only signed requests read it.
      try {
        await s3.send(
          new CreateBucketCommand({
            Bucket,
            // us-east-1 is the one region AWS refuses to be named in a LocationConstraint.
            ...(config.region === 'us-east-1'
              ? {}
              : {
                  CreateBucketConfiguration: {
                    LocationConstraint: config.region as BucketLocationConstraint,
                  },
                }),
          }),
        );
      } catch (err) {
        // Another instance created it between our HEAD and CREATE.
        if (!(err instanceof Error && err.name === 'BucketAlreadyOwnedByYou')) throw err;
      }
    },

    async put(key: string, body: Buffer, contentType: string) {
      checkKey(key);
      await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.length,
        }),
      );
    },

    async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
      checkKey(key);
      if (range) checkRange(range);
      let res: GetObjectCommandOutput;
      try {
        res = await s3.send(
          new GetObjectCommand({
            Bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
          }),
        );
      } catch (err) {
        if (isMissing(err)) return null;
        if (range && errorStatus(err) === 416) {
          const total = await size(key);
          if (total === null) return null;
          throw new RangeNotSatisfiableError(total);
        }
        throw err;
      }
      if (!(res.Body instanceof Readable)) throw new Error('S3 GetObject returned no Node stream');
      const contentType = res.ContentType ?? 'application/octet-stream';
      // "bytes 0-99/1234" on a 206; without it (a store that ignored the Range) the body is whole.
      const m = res.ContentRange ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange) : null;
      if (range && m) {
        return {
          body: res.Body,
          size: Number(m[3]),
          contentType,
          range: { start: Number(m[1]), end: Number(m[2]) },
        };
      }
      const total = res.ContentLength ?? 0;
      return {
        body: res.Body,
        size: total,
        contentType,
        ...(range ? { range: { start: 0, end: total - 1 } } : {}),
      };
    },

    size,

    async list(prefix: string) {
      checkPrefix(prefix);
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },

    async delete(key: string) {
      checkKey(key);
      await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async presignGet(key: string, ttlSeconds: number, opts?: { filename?: string }) {
      checkKey(key);
      checkTtl(ttlSeconds);
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        ...(opts?.filename ? { ResponseContentDisposition: attachment(opts.filename) } : {}),
      });
      return getSignedUrl(signer, command, { expiresIn: ttlSeconds });
    },
  };
}
