package io.barge.fbufs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's own {@link ResourceLeakDetector}, at PARANOID, reports an fbuf ByteBuf (and a heap one) dropped without
 * release. The report is captured from the detector's logger (Netty logs through java.util.logging here: no SLF4J
 * on this module's class path).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyLeakDetectionTest extends NettyChannelFixture
{
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            reports.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters()));
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };
    private ResourceLeakDetector.Level levelBefore;

    @BeforeEach
    void paranoid()
    {
        levelBefore = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        final Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
        logger.addHandler(capture);
        logger.setUseParentHandlers(false); // the expected reports, not on the console
    }

    @AfterEach
    void restore()
    {
        final Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
        logger.removeHandler(capture);
        logger.setUseParentHandlers(true);
        ResourceLeakDetector.setLevel(levelBefore);
    }

    @Test
    void aLeakedFbufByteBufIsReported()
    {
        open(new FbufMode(true, true, true));
        leakDirect();
        assertTrue(awaitReport("leakDirect"), "leak report naming leakDirect, got " + reports);
        assertFramesBackAfterClose(); // closing the path takes back the leaked fbuf
    }

    @Test
    void aLeakedHeapByteBufIsReported()
    {
        open(new FbufMode(true, true, true));
        leakHeap();
        assertTrue(awaitReport("leakHeap"), "leak report naming leakHeap, got " + reports);
        assertFramesBackAfterClose();
    }

    @Test
    void leakAwareWrappersAreSentAsTheyReadAndReleasedOnesAreNotReported()
    {
        open(new FbufMode(true, false, true));
        final byte[] data = bytes(7, 9000);
        final ByteBuf buffer = allocator.directBuffer(9000).writeBytes(data);
        assertFalse(buffer instanceof FbufByteBuf, "at PARANOID every buffer is wrapped: " + buffer.getClass());
        assertArrayEquals(Arrays.copyOfRange(data, 100, 5100), sendAndReceive(buffer.slice(100, 5000)));
        buffer.release();
        final CompositeByteBuf composite = allocator.compositeDirectBuffer();
        composite.writeBytes(data);
        assertArrayEquals(data, sendAndReceive(composite));
        composite.release();
        System.gc();
        allocator.directBuffer(8).release(); // the detector polls here
        assertTrue(reports.isEmpty(), "no leak reported for released buffers: " + reports);
        assertNoLeak();
    }

    private void leakDirect()
    {
        allocator.directBuffer(100).writeInt(1);
    }

    private void leakHeap()
    {
        allocator.heapBuffer(100).writeInt(1);
    }

    /** The detector polls for collected buffers when it tracks a new one, as on every allocation. */
    private boolean awaitReport(final String creator)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            System.gc();
            final ByteBuf probe = allocator.directBuffer(8);
            probe.release();
            for (final String report : reports)
            {
                if (report.contains("LEAK") && report.contains(creator))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
