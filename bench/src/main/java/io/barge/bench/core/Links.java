package io.barge.bench.core;

/**
 * Opens the links the comparisons drive.
 */
final class Links
{
    private Links()
    {
    }

    /**
     * @param machine  where the channel's memory comes from; domain a sends, b receives.
     * @param messages ring slots.
     * @return a UMP link.
     */
    static SpscLink ump(final Machine machine, final int messages)
    {
        throw new UnsupportedOperationException("UMP not merged yet");
    }

    /**
     * @param machine  where the channel's memory comes from; domain b sends, a receives.
     * @param messages ring slots.
     * @return a UMP link in the other direction.
     */
    static SpscLink umpReverse(final Machine machine, final int messages)
    {
        throw new UnsupportedOperationException("UMP not merged yet");
    }
}
