package io.barge.core.machine;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

import static io.barge.core.machine.ControlProtocolDescriptor.ATTEMPT_OFFSET;
import static io.barge.core.machine.ControlProtocolDescriptor.HEADER_LENGTH;
import static io.barge.core.machine.ControlProtocolDescriptor.PUBLIC_KEY_LENGTH;

/**
 * What makes a client id a credential ({@link ControlProtocolDescriptor}'s "Client keys and command MACs"): at
 * attach the client and the kernel each make an X25519 key pair and trade the public halves through the file (the
 * command ring and the broadcast); both derive the same 128-bit key, which a process reading the whole file cannot
 * (it sees only public keys). Every later command carries a SipHash-2-4 tag under that key.
 * <p>
 * SipHash, not {@code javax.crypto.Mac}: a keyed 64-bit PRF made for short messages, computed here over the private
 * copy without allocating ({@code Mac.doFinal} allocates its result on every call), and a pure function of the key,
 * so the client's request and keepalive threads each sign without sharing state. Key exchange and derivation run
 * once per attach and may allocate.
 */
final class CommandMac
{
    private static final String CURVE = "X25519";
    private static final byte[] CONTEXT = "barge command mac v1".getBytes(StandardCharsets.US_ASCII);

    private CommandMac()
    {
    }

    /**
     * @return a fresh X25519 key pair.
     */
    static KeyPair generateKeyPair()
    {
        try
        {
            return KeyPairGenerator.getInstance(CURVE).generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JVM has no " + CURVE + ": " + ex, ex);
        }
    }

    /**
     * Writes a public key as the protocol carries it: its u-coordinate,
     * {@link ControlProtocolDescriptor#PUBLIC_KEY_LENGTH} bytes little-endian (RFC 7748).
     */
    static void putPublicKey(final MutableDirectBuffer buffer, final int offset, final PublicKey key)
    {
        final byte[] u = ((XECPublicKey)key).getU().toByteArray(); // big-endian, maybe with a sign byte
        for (int i = 0; i < PUBLIC_KEY_LENGTH; i++)
        {
            buffer.putByte(offset + i, i < u.length ? u[u.length - 1 - i] : 0);
        }
    }

    /**
     * Derives the command key from one's own private key and the peer's public key as the file carried it.
     *
     * @return {k0, k1}, the SipHash key.
     * @throws GeneralSecurityException if the peer's key is not one (e.g. a point of small order: a zero secret).
     */
    static long[] deriveKey(final PrivateKey own, final DirectBuffer buffer, final int offset)
        throws GeneralSecurityException
    {
        final byte[] bigEndian = new byte[PUBLIC_KEY_LENGTH + 1]; // a leading zero keeps it positive
        for (int i = 0; i < PUBLIC_KEY_LENGTH; i++)
        {
            bigEndian[PUBLIC_KEY_LENGTH - i] = buffer.getByte(offset + i);
        }
        final PublicKey peer = KeyFactory.getInstance("XDH").generatePublic(
            new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(bigEndian)));
        final KeyAgreement agreement = KeyAgreement.getInstance(CURVE);
        agreement.init(own);
        agreement.doPhase(peer, true);
        final byte[] secret = agreement.generateSecret();
        final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(CONTEXT);
        final byte[] digest = sha256.digest(secret);
        final UnsafeBuffer view = new UnsafeBuffer(digest);
        return new long[]{view.getLong(0, ByteOrder.LITTLE_ENDIAN), view.getLong(8, ByteOrder.LITTLE_ENDIAN)};
    }

    /**
     * The tag of a command: SipHash-2-4 over its first {@code length} bytes with its type in place of its attempt
     * (so a re-send carries the tag of the first send, and a tag cannot be moved to another type). The attempt is
     * put back before this returns.
     *
     * @param command a command of at least {@link ControlProtocolDescriptor#HEADER_LENGTH} bytes, tag not counted.
     */
    static long tag(final long k0, final long k1, final int type, final MutableDirectBuffer command, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("length=" + length + " is shorter than the header");
        }
        final int attempt = command.getInt(ATTEMPT_OFFSET);
        command.putInt(ATTEMPT_OFFSET, type);
        final long tag = sipHash24(k0, k1, command, 0, length);
        command.putInt(ATTEMPT_OFFSET, attempt);
        return tag;
    }

    /**
     * SipHash-2-4 (Aumasson and Bernstein, 2012) of bytes of a buffer.
     *
     * @param k0 the key's first 8 bytes, little-endian.
     * @param k1 its last 8 bytes, little-endian.
     * @return the 64-bit tag.
     */
    static long sipHash24(final long k0, final long k1, final DirectBuffer buffer, final int offset, final int length)
    {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        final int whole = length & ~7;
        // Each whole 8-byte word, then the last block, then the finalisation (no message, four rounds).
        for (int i = 0; i <= whole + 8; i += 8)
        {
            final boolean finish = i > whole;
            long m = 0;
            if (i < whole)
            {
                m = buffer.getLong(offset + i, ByteOrder.LITTLE_ENDIAN);
            }
            else if (!finish)
            {
                m = ((long)length) << 56; // the length's low byte on top of the bytes left over
                for (int j = 0; j < (length & 7); j++)
                {
                    m |= (buffer.getByte(offset + whole + j) & 0xFFL) << (8 * j);
                }
            }
            else
            {
                v2 ^= 0xFF;
            }
            v3 ^= m;
            for (int round = 0, rounds = finish ? 4 : 2; round < rounds; round++)
            {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13) ^ v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16) ^ v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21) ^ v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17) ^ v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
