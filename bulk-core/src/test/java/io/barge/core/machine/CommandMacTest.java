package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.GeneralSecurityException;
import java.security.KeyPair;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The command MAC: SipHash-2-4 against the reference implementation's vectors (key 00..0f, message 00..n-1), the
 * tag's cover (the type in, the attempt out), and the key both ends of an X25519 exchange derive.
 */
class CommandMacTest
{
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    /** From the reference vectors.h (vectors_sip64), read as little-endian longs. */
    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({
        "0, 726fdb47dd0e0e31", "1, 74f839c593dc67fd", "7, ab0200f58b01d137", "8, 93f5f5799a932462",
        "15, a129ca6149be45e5", "16, 3f2acc7f57c29bdb", "63, 958a324ceb064572"})
    void sipHashMatchesTheReferenceVectors(final int length, final String expected)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[length + 3]);
        for (int i = 0; i < length; i++)
        {
            message.putByte(3 + i, (byte)i);
        }
        assertEquals(Long.parseUnsignedLong(expected, 16), CommandMac.sipHash24(K0, K1, message, 3, length));
    }

    @Test
    void theTagCoversTheTypeAndTheBodyButNotTheAttempt()
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[64]);
        putHeader(command, 42, 7);
        command.putInt(DOMAIN_ID_OFFSET, 9);
        final long first = CommandMac.tag(K0, K1, DESTROY_DOMAIN, command, ONE_INT_LENGTH);
        command.putInt(ATTEMPT_OFFSET, 2);
        assertEquals(first, CommandMac.tag(K0, K1, DESTROY_DOMAIN, command, ONE_INT_LENGTH), "a re-send's tag");
        assertEquals(2, command.getInt(ATTEMPT_OFFSET), "the attempt is put back");
        assertNotEquals(first, CommandMac.tag(K0, K1, CLOSE_CHANNEL, command, ONE_INT_LENGTH), "another type");
        command.putInt(DOMAIN_ID_OFFSET, 10);
        assertNotEquals(first, CommandMac.tag(K0, K1, DESTROY_DOMAIN, command, ONE_INT_LENGTH), "another body");
        command.putInt(DOMAIN_ID_OFFSET, 9);
        command.putInt(CLIENT_ID_OFFSET, 8);
        assertNotEquals(first, CommandMac.tag(K0, K1, DESTROY_DOMAIN, command, ONE_INT_LENGTH), "another client");
        command.putInt(CLIENT_ID_OFFSET, 7);
        assertNotEquals(first, CommandMac.tag(K0, K1 + 1, DESTROY_DOMAIN, command, ONE_INT_LENGTH), "another key");
        assertThrows(IllegalArgumentException.class, () -> CommandMac.tag(K0, K1, DESTROY_DOMAIN, command, 15));
    }

    @Test
    void bothEndsOfTheExchangeDeriveOneKeyThatAThirdCannot() throws GeneralSecurityException
    {
        final KeyPair client = CommandMac.generateKeyPair();
        final KeyPair kernel = CommandMac.generateKeyPair();
        final KeyPair other = CommandMac.generateKeyPair();
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[3 * PUBLIC_KEY_LENGTH]);
        CommandMac.putPublicKey(wire, 0, client.getPublic());
        CommandMac.putPublicKey(wire, PUBLIC_KEY_LENGTH, kernel.getPublic());
        CommandMac.putPublicKey(wire, 2 * PUBLIC_KEY_LENGTH, other.getPublic());
        final long[] clientKey = CommandMac.deriveKey(client.getPrivate(), wire, PUBLIC_KEY_LENGTH);
        assertArrayEquals(clientKey, CommandMac.deriveKey(kernel.getPrivate(), wire, 0));
        // A third party with both public keys and a pair of its own gets other keys.
        assertFalse(java.util.Arrays.equals(clientKey, CommandMac.deriveKey(other.getPrivate(), wire, 0)));
        assertFalse(java.util.Arrays.equals(clientKey,
            CommandMac.deriveKey(other.getPrivate(), wire, PUBLIC_KEY_LENGTH)));
    }

    @Test
    void aPublicKeyOfSmallOrderIsRefused()
    {
        final UnsafeBuffer zero = new UnsafeBuffer(new byte[PUBLIC_KEY_LENGTH]);
        final KeyPair own = CommandMac.generateKeyPair();
        assertThrows(GeneralSecurityException.class, () -> CommandMac.deriveKey(own.getPrivate(), zero, 0));
        zero.putByte(0, (byte)1); // u = 1, also of small order
        assertThrows(GeneralSecurityException.class, () -> CommandMac.deriveKey(own.getPrivate(), zero, 0));
    }
}
