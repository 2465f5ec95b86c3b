package io.barge.fbufs;

/**
 * The three fbuf optimisations that can be switched: caching fbufs on per-path free lists, volatile fbufs (no
 * protection raising on send; receivers defend themselves) and integrated buffer management (aggregate nodes live
 * inside fbufs; only the root crosses). Restricted dynamic read sharing (one virtual region at the same address in
 * every domain) is always on.
 *
 * @param cached     freed fbufs return to their path's free list, still mapped along the path.
 * @param volatile_  the originator keeps its write right after send.
 * @param integrated aggregate nodes are stored in fbufs and only the root's address is sent.
 */
public record FbufMode(boolean cached, boolean volatile_, boolean integrated)
{
    /** Every combination, most optimised first. */
    public static final FbufMode[] ALL = {
        new FbufMode(true, true, true), new FbufMode(true, true, false),
        new FbufMode(true, false, true), new FbufMode(true, false, false),
        new FbufMode(false, true, true), new FbufMode(false, true, false),
        new FbufMode(false, false, true), new FbufMode(false, false, false) };

    /**
     * @return whether fbufs are volatile (named so because {@code volatile} is a keyword).
     */
    public boolean isVolatile()
    {
        return volatile_;
    }

    /**
     * @return e.g. {@code cached=true,volatile=false,integrated=true}, the transport's option string.
     */
    public String optionString()
    {
        return "cached=" + cached + ",volatile=" + volatile_ + ",integrated=" + integrated;
    }

    /**
     * @return a short name for tables, e.g. {@code cached+volatile+integrated} or {@code plain}.
     */
    public String shortName()
    {
        final StringBuilder name = new StringBuilder();
        if (cached)
        {
            name.append("cached");
        }
        if (volatile_)
        {
            name.append(name.length() > 0 ? "+" : "").append("volatile");
        }
        if (integrated)
        {
            name.append(name.length() > 0 ? "+" : "").append("integrated");
        }
        return name.length() == 0 ? "plain" : name.toString();
    }
}
