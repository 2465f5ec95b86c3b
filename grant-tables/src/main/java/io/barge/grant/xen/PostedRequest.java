package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.grant.GrantException;
import io.barge.grant.Hypervisor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link XenFillingBackend}'s private copy of the receiver's latest posted-buffer request and its checked
 * segments: the ring slot is copied once into {@link #slot()}, then {@link #check()} validates the copy's header and
 * reads every segment (from the request, or grant-copied once from the indirect pages into the back end's scratch
 * page) into private arrays, each checked: a posted buffer is the channel's buffer length in whole pages from
 * offset 0. Only the back end's thread uses it.
 */
final class PostedRequest
{
    private final Hypervisor hypervisor;
    private final Domain domain;
    private final int peerId;
    private final int pageSize;
    private final int pagesPerBuffer;
    private final int bufferLength;
    private final long scratch;
    private final UnsafeBuffer scratchView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[XenRequestDescriptor.SLOT_LENGTH]);
    private final int[] segRef;
    private final int[] segOffset;
    private final int[] segBytes;

    /**
     * @param channel the channel (geometry, hypervisor, peers).
     * @param scratch a page the back end maps writable for indirect segments, or 0 if the buffers need none.
     */
    PostedRequest(final XenPostedChannel channel, final long scratch)
    {
        this.hypervisor = channel.hypervisor;
        this.domain = channel.back;
        this.peerId = channel.front.id();
        this.pageSize = channel.pageSize;
        this.pagesPerBuffer = channel.pagesPerBuffer;
        this.bufferLength = channel.maxMessageLength;
        this.scratch = scratch;
        if (scratch != 0)
        {
            domain.addressSpace().wrapView(scratchView, scratch, pageSize, Access.READ);
        }
        segRef = new int[pagesPerBuffer];
        segOffset = new int[pagesPerBuffer];
        segBytes = new int[pagesPerBuffer];
    }

    /**
     * @return the private memory the ring's slot is copied into.
     */
    UnsafeBuffer slot()
    {
        return request;
    }

    /**
     * @return the copy's request id (unchecked).
     */
    int id()
    {
        return XenRequestDescriptor.id(request, 0);
    }

    /**
     * @param i a segment, after a successful {@link #check()}.
     * @return its grant reference.
     */
    int ref(final int i)
    {
        return segRef[i];
    }

    /**
     * @return the checked segments' grant references (this object's array: copy what must outlive the next
     *         request).
     */
    int[] refs()
    {
        return segRef;
    }

    /**
     * Validates the copy's header and reads and checks its segments.
     *
     * @return null, or the broken rule.
     */
    String check()
    {
        final int flags = XenRequestDescriptor.flags(request, 0);
        final int length = XenRequestDescriptor.length(request, 0);
        final int segments = XenRequestDescriptor.segmentCount(request, 0);
        if ((flags & ~XenRequestDescriptor.FLAG_INDIRECT) != 0)
        {
            return "request flags=0x" + Integer.toHexString(flags) + ": a posted buffer has no flag but INDIRECT";
        }
        if (length != bufferLength)
        {
            return "posted length=" + length + " is not the channel's buffer of " + bufferLength;
        }
        if (segments != pagesPerBuffer)
        {
            return "request segments=" + segments + ": a posted buffer has " + pagesPerBuffer;
        }
        final boolean indirect = (flags & XenRequestDescriptor.FLAG_INDIRECT) != 0;
        if (indirect != segments > XenRequestDescriptor.DIRECT_SEGMENTS)
        {
            return "request segments=" + segments + " with indirect=" + indirect;
        }
        if (indirect)
        {
            final String bad = copyIndirect(segments);
            if (bad != null)
            {
                return bad;
            }
        }
        else
        {
            for (int i = 0; i < segments; i++)
            {
                read(request, XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, i), i);
            }
        }
        for (int i = 0; i < segments; i++)
        {
            if (segOffset[i] != 0 || segBytes[i] != Math.min(pageSize, length - i * pageSize))
            {
                return "segment " + i + " offset=" + segOffset[i] + " length=" + segBytes[i] + ": a posted buffer " +
                    "is whole pages from offset 0";
            }
        }
        return null;
    }

    private String copyIndirect(final int segments)
    {
        final int perPage = XenRequestDescriptor.segmentsPerIndirectPage(pageSize);
        final int pages = XenRequestDescriptor.indirectPagesFor(segments, pageSize);
        for (int k = 0; k < pages; k++)
        {
            final int ref = XenRequestDescriptor.segmentRef(request,
                XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, k));
            final int count = Math.min(perPage, segments - k * perPage);
            try
            {
                // Once, into private memory: the receiver may rewrite its indirect page at will.
                hypervisor.grantCopy(domain, peerId, ref, 0, scratch, count * XenRequestDescriptor.SEGMENT_LENGTH,
                    false);
            }
            catch (final GrantException ex)
            {
                return "indirect page " + k + ": " + ex.getMessage();
            }
            for (int j = 0; j < count; j++)
            {
                read(scratchView, XenRequestDescriptor.segmentOffset(0, j), k * perPage + j);
            }
        }
        return null;
    }

    private void read(final UnsafeBuffer from, final int offset, final int i)
    {
        final long word = XenRequestDescriptor.segmentWord(from, offset);
        segRef[i] = XenRequestDescriptor.wordRef(word);
        segOffset[i] = XenRequestDescriptor.wordPageOffset(word);
        segBytes[i] = XenRequestDescriptor.wordBytes(word);
    }
}
