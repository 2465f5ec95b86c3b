package io.barge.rbufs;

/**
 * 128 bytes of padding in front of the fields of objects that one thread writes on the hot path (ring positions,
 * free lists, batches). Objects are allocated one after another, and a channel's sender-side and receiver-side
 * objects are made together; this keeps each one's fields off the cache lines (and their prefetch pairs) of the
 * object before it, so the originator's and the receiver's threads do not falsely share.
 */
abstract class LinePadding
{
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p10, p11, p12, p13, p14, p15, p16, p17;
}
