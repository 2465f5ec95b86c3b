package io.barge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PhysicalMemoryTest
{
    @TempDir
    Path dir;

    @Test
    void directMemoryHandsOutEveryFrameOnceAndTakesThemBack()
    {
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(16))
        {
            final boolean[] seen = new boolean[16];
            for (int i = 0; i < 16; i++)
            {
                final int frame = memory.allocateFrame();
                assertFalse(seen[frame], "frame handed out twice: " + frame);
                seen[frame] = true;
            }
            assertEquals(0, memory.freeFrames());
            assertThrows(OutOfFramesException.class, memory::allocateFrame);
            memory.freeFrame(3);
            assertEquals(3, memory.allocateFrame(), "LIFO: the frame just freed comes back first");
        }
    }

    @Test
    void rejectsBadFrameSizes()
    {
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.allocateDirect(4, 3000));
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.allocateDirect(0, 4096));
        assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.allocateDirect(1 << 20, 4096));
    }

    @Test
    void fileBackedMemoryIsSeenByASecondAttach()
    {
        final Path file = dir.resolve("mem");
        try (PhysicalMemory first = PhysicalMemory.createFile(file, 8, 4096);
            PhysicalMemory second = PhysicalMemory.attachFile(file))
        {
            assertTrue(second.isFileBacked());
            assertEquals(8, second.frameCount());
            assertEquals(4096, second.frameSize());
            first.buffer().putLong(first.frameOffset(5) + 16, 0xCAFEBABEL);
            assertEquals(0xCAFEBABEL, second.buffer().getLong(second.frameOffset(5) + 16));
        }
    }

    @Test
    void attachRejectsWrongMagic() throws IOException
    {
        final Path file = createThenPatch(PhysicalMemoryDescriptor.MAGIC_OFFSET, 0x1234L, 8);
        final MemoryFileFormatException ex =
            assertThrows(MemoryFileFormatException.class, () -> PhysicalMemory.attachFile(file));
        assertTrue(ex.getMessage().contains("magic"), ex.getMessage());
    }

    @Test
    void attachRejectsWrongVersion() throws IOException
    {
        final Path file = createThenPatch(PhysicalMemoryDescriptor.VERSION_OFFSET, 99, 4);
        final MemoryFileFormatException ex =
            assertThrows(MemoryFileFormatException.class, () -> PhysicalMemory.attachFile(file));
        assertTrue(ex.getMessage().contains("version=99"), ex.getMessage());
    }

    @Test
    void attachRejectsTruncatedFile() throws IOException
    {
        final Path file = dir.resolve("short");
        PhysicalMemory.createFile(file, 8, 4096).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(PhysicalMemoryDescriptor.HEADER_LENGTH + 3 * 4096);
        }
        final MemoryFileFormatException ex =
            assertThrows(MemoryFileFormatException.class, () -> PhysicalMemory.attachFile(file));
        assertTrue(ex.getMessage().contains("shorter"), ex.getMessage());
    }

    @Test
    void attachRejectsFileShorterThanHeader() throws IOException
    {
        final Path file = dir.resolve("tiny");
        Files.write(file, new byte[10]);
        assertThrows(MemoryFileFormatException.class, () -> PhysicalMemory.attachFile(file));
    }

    @Test
    void failedAttachLeavesTheLiveKernelsFramesAlone() throws IOException
    {
        final Path bad = createThenPatch(PhysicalMemoryDescriptor.MAGIC_OFFSET, 7L, 8);
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(32); Kernel kernel = new Kernel(memory))
        {
            final int free = kernel.freeFrames();
            assertThrows(MemoryFileFormatException.class, () -> PhysicalMemory.attachFile(bad));
            assertEquals(free, kernel.freeFrames());
        }
    }

    private Path createThenPatch(final int offset, final long value, final int width) throws IOException
    {
        final Path file = dir.resolve("patched-" + offset);
        PhysicalMemory.createFile(file, 8, 4096).close();
        try (FileChannel channel = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(width).order(ByteOrder.LITTLE_ENDIAN);
            if (width == 8)
            {
                bytes.putLong(value);
            }
            else
            {
                bytes.putInt((int)value);
            }
            bytes.flip();
            channel.write(bytes, offset);
        }
        return file;
    }
}
