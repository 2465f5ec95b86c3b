package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conductor in this JVM, driven by hand: every command, and every bad input a client can send through the ring,
 * each answered with its typed error while the kernel and the other clients go on.
 */
@Timeout(30)
class KernelConductorTest
{
    @TempDir
    Path dir;

    private static List<MachineClientInfo> clients(final Path dir)
    {
        try (MachineReader reader = MachineReader.attach(dir))
        {
            return reader.clients();
        }
    }

    @Test
    void attachGivesEachClientItsOwnIdAndSlot()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(4242);
            final int b = h.attachClient(4343);
            assertNotEquals(a, b);
            final List<MachineClientInfo> clients = clients(dir);
            assertEquals(2, clients.size());
            assertEquals(a, clients.get(0).clientId());
            assertEquals(4242, clients.get(0).pid());
            assertEquals(ConductorHarness.START_MS, clients.get(0).attachMs());
            assertEquals(b, clients.get(1).clientId());
            assertEquals(4343, clients.get(1).pid());
            assertEquals(2, h.conductor.clientCount());
            assertEquals(2, h.kernelCount(ConductorCounters.CLIENT_ATTACHES));
            assertEquals(2, h.kernelCount(ConductorCounters.COMMANDS));
            assertEquals(0, h.kernelCount(ConductorCounters.COMMAND_ERRORS));
        }
    }

    @Test
    void aKeepaliveRefreshesTheHeartbeatAndIsNotAnswered()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            h.clock.advance(700);
            h.keepalive(a);
            h.work();
            assertTrue(h.responses().isEmpty());
            assertEquals(ConductorHarness.START_MS + 700, clients(dir).get(0).heartbeatMs());
            assertEquals(1, h.kernelCount(ConductorCounters.CLIENT_KEEPALIVES));
        }
    }

    @Test
    void aClientCreatesAndDestroysItsOwnDomains()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int alpha = h.createDomain(a, "alpha");
            final int beta = h.createDomain(a, "beta two");
            final Domain domain = h.kernel.domain(alpha);
            assertNotNull(domain);
            assertEquals("alpha", domain.name());
            assertEquals("beta two", h.kernel.domain(beta).name());
            assertArrayEquals(new int[]{alpha, beta}, clients(dir).get(0).domainIds());
            try (MachineReader reader = MachineReader.attach(dir))
            {
                final String text = reader.snapshot().format(false);
                assertTrue(text.contains("client " + a + " pid 1, heartbeat"), text);
                assertTrue(text.contains("domains: " + alpha + " \"alpha\" " + beta + " \"beta two\""), text);
            }

            final ConductorHarness.Response destroyed = h.one(h.destroy(a, alpha), ON_DOMAIN_DESTROYED);
            assertEquals(alpha, destroyed.value());
            assertNull(h.kernel.domain(alpha));
            assertArrayEquals(new int[]{beta}, clients(dir).get(0).domainIds());
            assertEquals(2, h.kernelCount(ConductorCounters.REMOTE_DOMAIN_CREATES));
            assertEquals(1, h.kernelCount(ConductorCounters.REMOTE_DOMAIN_DESTROYS));
        }
    }

    @Test
    void aClientCannotDestroyAnotherClientsDomainNorTheKernelsNorOneThatIsNot()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int b = h.attachClient(2);
            final int mine = h.createDomain(a, "a's");
            final Domain local = h.kernel.createDomain("this process's");

            assertTrue(h.error(h.destroy(b, mine), ERROR_NOT_OWNER).message().contains("is not client " + b));
            h.error(h.destroy(b, 0), ERROR_NOT_OWNER);
            h.error(h.destroy(b, local.id()), ERROR_NOT_OWNER);
            assertTrue(h.error(h.destroy(b, 999), ERROR_NOT_OWNER).message().contains("no such domain"));
            assertTrue(h.kernel.domain(mine).isAlive());
            assertTrue(local.isAlive());
            assertEquals(4, h.kernelCount(ConductorCounters.COMMAND_ERRORS));
            h.one(h.destroy(a, mine), ON_DOMAIN_DESTROYED);
        }
    }

    @Test
    void detachDestroysTheClientsDomainsAndReturnsTheirFrames()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int startFree = h.kernel.freeFrames();
            final int a = h.attachClient(1);
            final int b = h.attachClient(2);
            final int x = h.createDomain(a, "x");
            final int y = h.createDomain(a, "y");
            final int other = h.createDomain(b, "b's");
            h.kernel.allocateFrame(h.kernel.domain(x), true);
            h.kernel.allocateFrame(h.kernel.domain(y), false);
            h.kernel.allocateFrame(h.kernel.domain(other), false);
            assertEquals(startFree - 3, h.kernel.freeFrames());

            final ConductorHarness.Response detached = h.one(h.detach(a), ON_DETACHED);
            assertEquals(2, detached.value());
            assertNull(h.kernel.domain(x));
            assertNull(h.kernel.domain(y));
            assertTrue(h.kernel.domain(other).isAlive(), "the other client's domain stays");
            assertEquals(startFree - 1, h.kernel.freeFrames());
            assertEquals(1, clients(dir).size());
            h.error(h.keepalive(a), ERROR_UNKNOWN_CLIENT);
            h.error(h.create(a, "late"), ERROR_UNKNOWN_CLIENT);
        }
    }

    @Test
    void anUnknownClientIdIsRefused()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final ConductorHarness.Response refused = h.error(h.create(a + 100, "z"), ERROR_UNKNOWN_CLIENT);
            assertEquals(a + 100, refused.clientId());
            h.error(h.destroy(-5, 1), ERROR_UNKNOWN_CLIENT);
            h.error(h.detach(0), ERROR_UNKNOWN_CLIENT);
            assertEquals(1, h.conductor.clientCount());
        }
    }

    @Test
    void anAttachWithAClientIdOrWithoutAPidIsRefused()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            h.command().putLong(PID_OFFSET, 7);
            h.error(h.send(CLIENT_ATTACH, 3, ATTACH_LENGTH), ERROR_BAD_ATTACH);
            h.error(h.attach(0), ERROR_BAD_ATTACH);
            h.error(h.attach(-1), ERROR_BAD_ATTACH);
            assertEquals(0, h.conductor.clientCount());
        }
    }

    @ParameterizedTest(name = "type {0}")
    @CsvSource({"9", "100", "101", "2147483647"}) // 9: just past LAST_COMMAND (GRANT_OP, 8)
    void anUnknownCommandTypeIsRefused(final int type)
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final ConductorHarness.Response refused = h.error(h.send(type, a, HEADER_LENGTH), ERROR_UNKNOWN_COMMAND);
            assertEquals(a, refused.clientId());
            assertEquals(2, h.kernelCount(ConductorCounters.COMMANDS));
            assertEquals(1, h.kernelCount(ConductorCounters.COMMAND_ERRORS));
            h.createDomain(a, "after");
        }
    }

    /**
     * Every command type with a length short or long of its own (the harness adds the MAC after all but an attach);
     * the header is valid where the length allows. A command too long for any, like one too short for its header,
     * cannot be authenticated, so its answer names no client.
     */
    @ParameterizedTest(name = "type {0} length {1}")
    @CsvSource({
        "1, 0", "1, 7", "1, 16", "1, 23", "1, 24", "1, 55", "1, 57", "1, 400",
        "2, 0", "2, 15", "2, 17", "2, 24",
        "4, 8", "4, 19", "4, 21", "4, 32",
        "5, 12", "5, 17", "5, 400"})
    void aCommandOfTheWrongLengthIsMalformed(final int type, final int length)
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int x = h.createDomain(a, "x");
            h.command().putLong(PID_OFFSET, 99); // an attach long enough to read gets a valid pid and client id 0
            final long correlationId = h.send(type, type == CLIENT_ATTACH ? 0 : a, length);
            final ConductorHarness.Response refused = h.one(length >= CLIENT_ID_OFFSET ? correlationId : NULL_ID,
                ON_ERROR);
            assertEquals(ERROR_MALFORMED, refused.value(), refused.toString());
            final boolean authenticated = length >= HEADER_LENGTH && length + MAC_LENGTH <= MAX_MESSAGE_LENGTH;
            assertEquals(type == CLIENT_ATTACH ? (length >= HEADER_LENGTH ? 0 : NULL_ID) :
                authenticated ? a : NULL_ID, refused.clientId());
            assertTrue(h.kernel.domain(x).isAlive());
            assertEquals(1, h.conductor.clientCount());
            h.createDomain(a, "after");
        }
    }

    @ParameterizedTest(name = "name length field {0}, command length {1}")
    @CsvSource({"5, 24", "5, 26", "-1, 19", "-1, 20", "2147483647, 40", "0, 19", "3, 8"})
    void aCreateWhoseLengthsDisagreeIsMalformed(final int nameLength, final int length)
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            h.command().putInt(NAME_LENGTH_OFFSET, nameLength);
            h.command().putStringWithoutLengthAscii(NAME_OFFSET, "abcdefghijklmnopqrstuvwxyz");
            final int before = h.kernel.freeFrames();
            final long correlationId = h.send(CREATE_DOMAIN, a, length);
            h.error(length >= CLIENT_ID_OFFSET ? correlationId : NULL_ID, ERROR_MALFORMED);
            assertEquals(before, h.kernel.freeFrames());
            assertEquals(0, clients(dir).get(0).domainIds().length);
        }
    }

    @ParameterizedTest(name = "[{index}]")
    @CsvSource(value = {"''", "'tab\there'", "'new\nline'", "'caf\u00e9'", "'nul\u0000'", "'\u007f'"},
        quoteCharacter = '\'')
    void aBadNameIsRefused(final String name)
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            h.error(h.create(a, name), ERROR_BAD_NAME);
            assertEquals(0, clients(dir).get(0).domainIds().length);
            h.createDomain(a, "fine");
        }
    }

    @Test
    void aNameOfTheLongestLengthIsTakenAndOneLongerRefused()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final String longest = "n".repeat(MAX_NAME_LENGTH);
            assertEquals(longest, h.kernel.domain(h.createDomain(a, longest)).name());
            assertTrue(h.error(h.create(a, longest + "n"), ERROR_BAD_NAME).message().contains("longer than"));
        }
    }

    @Test
    void theClientTableAndEachClientsDomainsAreBounded()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int first = h.attachClient(1);
            for (int i = 1; i < MachineFileDescriptor.MAX_CLIENTS; i++)
            {
                h.attachClient(1 + i);
            }
            h.error(h.attach(9999), ERROR_TOO_MANY_CLIENTS);
            h.one(h.detach(first), ON_DETACHED);
            final int again = h.attachClient(9999);
            assertNotEquals(first, again, "ids are never reused");

            for (int i = 0; i < ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT; i++)
            {
                h.createDomain(again, "d" + i);
            }
            h.error(h.create(again, "one too many"), ERROR_TOO_MANY_DOMAINS);
            assertEquals(ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT, h.one(h.detach(again), ON_DETACHED).value());
        }
    }

    @Test
    void aKernelHasOneConductorAndOnlyWithAMachineFile()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            assertTrue(assertThrows(IllegalStateException.class,
                () -> new KernelConductor(h.kernel, h.clock)).getMessage().contains("one consumer"));
            h.createDomain(h.attachClient(1), "the first conductor goes on");
        }
        try (Kernel plain = Kernel.builder().memoryMiB(1).maxDomains(2).build())
        {
            assertThrows(IllegalArgumentException.class,
                () -> new KernelConductor(plain, org.agrona.concurrent.SystemEpochClock.INSTANCE));
        }
    }

    @Test
    void aDomainTheKernelCannotCreateIsAKernelError()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            h.kernel.close(); // the kernel refuses every domain now; the conductor answers and goes on
            assertTrue(h.error(h.create(a, "x"), ERROR_KERNEL).message().contains("kernel is closed"));
            h.keepalive(a);
            h.work();
            assertTrue(h.responses().isEmpty());
        }
    }
}
