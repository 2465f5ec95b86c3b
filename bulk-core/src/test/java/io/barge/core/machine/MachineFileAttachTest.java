package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.barge.core.machine.MachineFileDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad machine files: each gives a typed {@link MachineFileException} on attach and harms neither the attaching
 * process nor a running kernel; a stale file is reinitialised by the next kernel; a live kernel's directory is
 * refused to a second one.
 */
@Timeout(30)
class MachineFileAttachTest
{
    /** Larger than any pid Linux hands out (pid_max is at most 2^22). */
    private static final long DEAD_PID = Integer.MAX_VALUE;

    /** A closed machine's valid file, to spoil. */
    private static Path closedMachine(final Path dir)
    {
        try (Kernel kernel = MachineFileTest.kernel(dir); Domain a = kernel.createDomain("old"))
        {
            a.count(CounterType.BYTES_COPIED, 123);
        }
        return dir.resolve(FILE_NAME);
    }

    private static void putInt(final Path file, final int offset, final int value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    private static void putLong(final Path file, final int offset, final long value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value));
    }

    private static void write(final Path file, final int offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    private static void truncate(final Path file, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
    }

    private static MachineFileException.Reason attachFailure(final Path dir)
    {
        final MachineFileException ex = assertThrows(MachineFileException.class, () -> MachineReader.attach(dir));
        return ex.reason();
    }

    @Test
    void anEmptyDirectoryHasNoMachine(@TempDir final Path dir)
    {
        assertSame(MachineFileException.Reason.NOT_FOUND, attachFailure(dir));
    }

    @Test
    void wrongMagicIsRefused(@TempDir final Path dir) throws IOException
    {
        putLong(closedMachine(dir), MAGIC_OFFSET, 0x1122334455667788L);
        assertSame(MachineFileException.Reason.WRONG_MAGIC, attachFailure(dir));
    }

    @Test
    void aFileOfGarbageIsRefused(@TempDir final Path dir) throws IOException
    {
        Files.write(dir.resolve(FILE_NAME), new byte[8192]);
        assertSame(MachineFileException.Reason.WRONG_MAGIC, attachFailure(dir));
    }

    @Test
    void wrongVersionIsRefused(@TempDir final Path dir) throws IOException
    {
        putInt(closedMachine(dir), VERSION_OFFSET, VERSION + 1);
        final MachineFileException ex = assertThrows(MachineFileException.class, () -> MachineReader.attach(dir));
        assertSame(MachineFileException.Reason.WRONG_VERSION, ex.reason());
        assertTrue(ex.getMessage().contains("version=" + (VERSION + 1) + " expected=" + VERSION), ex.getMessage());
    }

    @Test
    void aVersionOneFileIsRefusedByName(@TempDir final Path dir) throws IOException
    {
        putInt(closedMachine(dir), VERSION_OFFSET, 1);
        final MachineFileException ex = assertThrows(MachineFileException.class, () -> MachineReader.attach(dir));
        assertSame(MachineFileException.Reason.WRONG_VERSION, ex.reason());
        assertTrue(ex.getMessage().contains("version=1 expected=" + VERSION), ex.getMessage());
    }

    @Test
    void inconsistentLengthsAreRefused(@TempDir final Path dir) throws IOException
    {
        final Path file = closedMachine(dir);
        final byte[] good = Files.readAllBytes(file);
        final int[][] spoilt = {
            {HEADER_LENGTH_OFFSET, 1234},
            {COUNTERS_METADATA_LENGTH_OFFSET, 4096},            // not 4 x the values
            {COUNTERS_VALUES_LENGTH_OFFSET, 0},                 // no values
            {COUNTERS_VALUES_LENGTH_OFFSET, 1000},              // not whole pages
            {TO_KERNEL_RING_LENGTH_OFFSET, -4096},
            {TO_DOMAINS_BUFFER_LENGTH_OFFSET, 100},
            {TO_KERNEL_RING_LENGTH_OFFSET, 0x7FFF_F000},        // sections past the largest file
            {TO_KERNEL_RING_LENGTH_OFFSET, 0},                  // version 1's reserved empty ring
            {TO_KERNEL_RING_LENGTH_OFFSET, 4096},               // a trailer page and no ring
            {TO_DOMAINS_BUFFER_LENGTH_OFFSET, 4 * 4096},        // a ring of 3 pages: not a power of two
            {TO_DOMAINS_BUFFER_LENGTH_OFFSET, 4096},            // a trailer page and no buffer
            {CLIENT_TABLE_LENGTH_OFFSET, 0},                    // no client table
            {CLIENT_TABLE_LENGTH_OFFSET, 100},                  // not whole pages
            {TO_DOMAINS_BUFFER_LENGTH_OFFSET, 3 * 4096},        // a valid ring, but the sections fall short of the file
        };
        for (final int[] field : spoilt)
        {
            Files.write(file, good);
            putInt(file, field[0], field[1]);
            assertSame(MachineFileException.Reason.BAD_LENGTHS, attachFailure(dir),
                "offset " + field[0] + " = " + field[1]);
        }
        Files.write(file, good);
        MachineReader.attach(dir).close(); // the good bytes attach
    }

    @Test
    void aSectionLongerThanTheFileIsTruncation(@TempDir final Path dir) throws IOException
    {
        putInt(closedMachine(dir), TO_KERNEL_RING_LENGTH_OFFSET, (1 << 20) + PAGE_LENGTH);
        assertSame(MachineFileException.Reason.TRUNCATED, attachFailure(dir));
    }

    @Test
    void aTruncatedFileIsRefusedBeforeARun(@TempDir final Path dir) throws IOException
    {
        final Path file = closedMachine(dir);
        final long full = Files.size(file);
        for (final long length : new long[]{0, 10, HEADER_FIELDS_LENGTH - 1, HEADER_LENGTH, full / 2, full - 1})
        {
            final byte[] bytes = Files.readAllBytes(file);
            truncate(file, length);
            assertSame(MachineFileException.Reason.TRUNCATED, attachFailure(dir), "length " + length);
            Files.write(file, bytes);
        }
    }

    @Test
    void aFileTruncatedDuringARunIsRefusedAndTheKernelGoesOn(@TempDir final Path dir) throws IOException
    {
        try (Kernel kernel = MachineFileTest.kernel(dir); Domain a = kernel.createDomain("a"))
        {
            final int startFree = kernel.freeFrames();
            final MachineReader early = MachineReader.attach(dir);
            final Path file = dir.resolve(FILE_NAME);
            final long full = Files.size(file);
            truncate(file, full / 3);

            assertSame(MachineFileException.Reason.TRUNCATED, attachFailure(dir));
            // A reader attached before the truncation gets the same typed error, not a fault.
            assertSame(MachineFileException.Reason.TRUNCATED,
                assertThrows(MachineFileException.class, early::snapshot).reason());
            early.close();

            // The kernel's next beat finds it, grows the file back (so its stores do not fault) and stops beating.
            kernel.machineFile().beat();
            assertTrue(kernel.machineFile().isDamaged());
            assertEquals(full, Files.size(file));
            try (MachineReader reader = MachineReader.attach(dir))
            {
                assertSame(MachineStatus.State.DAMAGED, reader.status().state());
            }

            final Domain b = kernel.createDomain("b");
            kernel.allocateFrame(b, true);
            a.count(CounterType.BYTES_COPIED, 1);
            b.close();
            assertEquals(startFree, kernel.freeFrames());
            assertEquals(1, a.counter(CounterType.BYTES_COPIED));
        }
        try (MachineReader reader = MachineReader.attach(dir))
        {
            assertSame(MachineStatus.State.DAMAGED, reader.status().state(), "closing keeps the mark");
        }
        // The directory is still usable: the next kernel replaces the damaged file.
        try (Kernel next = MachineFileTest.kernel(dir); MachineReader reader = MachineReader.attach(dir))
        {
            assertSame(MachineStatus.State.DAMAGED, next.machineFile().previous().state());
            assertTrue(reader.status().isRunning());
            assertFalse(next.machineFile().isDamaged());
        }
    }

    @Test
    void aSecondLiveKernelOnTheSameDirectoryIsRefused(@TempDir final Path dir)
    {
        try (Kernel first = MachineFileTest.kernel(dir); Domain a = first.createDomain("first's"))
        {
            final MachineFileException ex = assertThrows(MachineFileException.class,
                () -> MachineFileTest.kernel(dir));
            assertSame(MachineFileException.Reason.LIVE_KERNEL, ex.reason());
            assertTrue(ex.getMessage().contains("running: kernel pid " + ProcessHandle.current().pid()),
                ex.getMessage());

            a.count(CounterType.BYTES_COPIED, 9);
            try (MachineReader reader = MachineReader.attach(dir))
            {
                final MachineSnapshot snapshot = reader.snapshot();
                assertTrue(snapshot.status().isRunning());
                assertEquals(9, snapshot.domain("first's").value("bytes copied"));
            }
        }
        try (Kernel second = MachineFileTest.kernel(dir))
        {
            assertSame(MachineStatus.State.CLOSED, second.machineFile().previous().state());
        }
    }

    @Test
    void aLiveHeartbeatIsRefusedEvenWhenTheLockFileWasRemoved(@TempDir final Path dir) throws IOException
    {
        try (Kernel first = MachineFileTest.kernel(dir))
        {
            // Someone deleted the lock file: a second kernel gets a fresh lock, but the heartbeat says no.
            Files.delete(dir.resolve(LOCK_FILE_NAME));
            final MachineFileException ex = assertThrows(MachineFileException.class,
                () -> MachineFileTest.kernel(dir));
            assertSame(MachineFileException.Reason.LIVE_KERNEL, ex.reason());
            try (MachineReader reader = MachineReader.attach(dir))
            {
                assertTrue(reader.status().isRunning());
                assertEquals(first.machineFile().pid(), reader.status().pid());
            }
        }
    }

    @Test
    void aStaleFileWhoseKernelIsGoneIsReinitialised(@TempDir final Path dir) throws IOException
    {
        final Path file = closedMachine(dir);
        // As a killed kernel leaves it: still RUNNING, its process gone, its heartbeat fresh.
        putInt(file, STATE_OFFSET, STATE_RUNNING);
        putLong(file, KERNEL_PID_OFFSET, DEAD_PID);
        putLong(file, HEARTBEAT_TIMESTAMP_OFFSET, System.currentTimeMillis());
        checkReinitialised(dir, "is not alive");
    }

    @Test
    void aStaleFileWhoseHeartbeatIsTooOldIsReinitialised(@TempDir final Path dir) throws IOException
    {
        final Path file = closedMachine(dir);
        // A kernel that stopped beating an hour ago (its pid may since belong to a live process, here ours).
        putInt(file, STATE_OFFSET, STATE_RUNNING);
        putLong(file, KERNEL_PID_OFFSET, ProcessHandle.current().pid());
        putLong(file, HEARTBEAT_TIMESTAMP_OFFSET, System.currentTimeMillis() - 3_600_000);
        checkReinitialised(dir, "is alive");
    }

    private static void checkReinitialised(final Path dir, final String why)
    {
        try (MachineReader stale = MachineReader.attach(dir))
        {
            final MachineStatus status = stale.status();
            assertSame(MachineStatus.State.STALE, status.state(), status.describe());
            assertTrue(status.describe().contains(why), status.describe());
        }
        try (Kernel kernel = MachineFileTest.kernel(dir); MachineReader reader = MachineReader.attach(dir))
        {
            assertSame(MachineStatus.State.STALE, kernel.machineFile().previous().state());
            final MachineSnapshot snapshot = reader.snapshot();
            assertTrue(snapshot.status().isRunning(), snapshot.status().describe());
            assertEquals(ProcessHandle.current().pid(), snapshot.status().pid());
            assertNull(snapshot.domain("old"), "the old machine's counters are gone");
            assertEquals(0, snapshot.groups().stream().mapToLong((g) -> g.value("bytes copied")).filter((v) -> v > 0)
                .count());
        }
    }

    @Test
    void aCounterRecordWithABadLabelLengthIsNamedAsSuchNotReadPastItsRecord(@TempDir final Path dir)
        throws IOException
    {
        final Path file = closedMachine(dir);
        final int metaData;
        try (MachineReader reader = MachineReader.attach(dir))
        {
            metaData = (int)(Files.size(file) - reader.counters().valuesBuffer().capacity() -
                reader.counters().metaDataBuffer().capacity());
        }
        putInt(file, metaData + org.agrona.concurrent.status.CountersReader.LABEL_OFFSET, 1 << 30);
        putInt(file, metaData + org.agrona.concurrent.status.CountersReader.METADATA_LENGTH +
            org.agrona.concurrent.status.CountersReader.LABEL_OFFSET, -5);
        try (MachineReader reader = MachineReader.attach(dir))
        {
            final MachineSnapshot snapshot = reader.snapshot();
            final String text = snapshot.format(true);
            assertTrue(text.contains("(label length 1073741824 out of range)"), text);
            assertTrue(text.contains("(label length -5 out of range)"), text);
            assertEquals(123, snapshot.groups().stream().mapToLong((g) -> g.value("bytes copied"))
                .filter((v) -> v > 0).sum(), text);
        }
    }

    @Test
    void aLeftoverTemporaryOfAKernelKilledWhileCreatingIsRemoved(@TempDir final Path dir) throws IOException
    {
        final Path leftover = dir.resolve(FILE_NAME + ".99999.tmp");
        Files.write(leftover, new byte[10]);
        try (Kernel kernel = MachineFileTest.kernel(dir))
        {
            assertFalse(Files.exists(leftover));
            assertEquals(dir.resolve(FILE_NAME), kernel.machineFile().file());
            assertTrue(Files.exists(kernel.machineFile().file()));
        }
    }

    @Test
    void aDirectoryOfGarbageIsReinitialised(@TempDir final Path dir) throws IOException
    {
        Files.write(dir.resolve(FILE_NAME), new byte[100]);
        try (Kernel kernel = MachineFileTest.kernel(dir); MachineReader reader = MachineReader.attach(dir))
        {
            assertNull(kernel.machineFile().previous());
            assertTrue(reader.status().isRunning());
        }
    }
}
