package io.barge.fbufs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a ByteBuf wrote (plain, grown, composite, slice) is exactly what the receiver reads, in every fbufs mode, and
 * every fbuf and frame comes back. Sizes and contents come from a seed, printed on failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyEndToEndTest extends NettyChannelFixture
{
    static Stream<Arguments> modesAndSeeds()
    {
        return Arrays.stream(FbufMode.ALL).flatMap(mode -> Stream.of(1L, 2L, 3L).map(seed -> Arguments.of(mode, seed)));
    }

    @ParameterizedTest(name = "{0} seed={1}")
    @MethodSource("modesAndSeeds")
    void whatAByteBufWroteIsWhatTheReceiverReads(final FbufMode mode, final long seed)
    {
        open(mode);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 6; round++)
        {
            final String where = "mode=" + mode + " seed=" + seed + " round=" + round;
            final byte[] data = bytes(random.nextLong(), 1 + random.nextInt(30000));

            final ByteBuf plain = allocator.directBuffer(data.length).writeBytes(data);
            assertArrayEquals(data, sendAndReceive(plain), "plain " + where);
            plain.release();

            final ByteBuf grown = allocator.directBuffer(1 + random.nextInt(100));
            for (int at = 0; at < data.length; )
            {
                final int n = Math.min(data.length - at, 1 + random.nextInt(3000));
                grown.writeBytes(data, at, n);
                at += n;
            }
            assertArrayEquals(data, sendAndReceive(grown), "grown " + where);
            grown.release();

            // At most six components: the most pieces a non-integrated message carries.
            final CompositeByteBuf composite = allocator.compositeDirectBuffer();
            final int least = (data.length + 5) / 6;
            for (int at = 0; at < data.length; )
            {
                final int n = Math.min(data.length - at, least + random.nextInt(least + 1));
                composite.addComponent(true, allocator.directBuffer(n).writeBytes(data, at, n));
                at += n;
            }
            assertArrayEquals(data, sendAndReceive(composite), "composite " + where);
            composite.release();

            final ByteBuf base = allocator.directBuffer(data.length).writeBytes(data);
            final int from = random.nextInt(data.length);
            final int length = 1 + random.nextInt(data.length - from);
            assertArrayEquals(Arrays.copyOfRange(data, from, from + length), sendAndReceive(base.slice(from, length)),
                "slice " + where);
            base.release();
        }
        assertEquals(0, transport.region().heldFbufs(), "fbufs held after every buffer and message was released");
        assertNoLeak();
    }
}
