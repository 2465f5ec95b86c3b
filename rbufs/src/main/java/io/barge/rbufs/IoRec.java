package io.barge.rbufs;

/**
 * A private copy of one IOrec: what a consumer read out of a shared ring, once, before validating and using it.
 * A reused flyweight.
 */
final class IoRec extends LinePadding
{
    int count;
    int flags;
    final long[] bases = new long[IoRecDescriptor.MAX_PAIRS];
    final long[] lengths = new long[IoRecDescriptor.MAX_PAIRS];

    /**
     * @param areaLength data area length.
     * @return null if every pair lies inside the area, else the first broken rule.
     */
    String checkPairs(final long areaLength)
    {
        for (int i = 0; i < count; i++)
        {
            final String problem = IoRecDescriptor.checkPair(bases[i], lengths[i], areaLength);
            if (problem != null)
            {
                return "pair " + i + ": " + problem;
            }
        }
        return null;
    }
}
