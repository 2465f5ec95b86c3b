package io.barge.core;

/**
 * Access rights of a mapping. Write implies read: there are no write-only pages.
 */
public final class Rights
{
    /** No access: the page is reserved but not usable. */
    public static final int NONE = 0;
    /** Loads allowed. */
    public static final int READ = 1;
    /** Loads and stores allowed. */
    public static final int READ_WRITE = 3;

    private Rights()
    {
    }

    /**
     * @param access an access kind.
     * @return the right bits it needs.
     */
    public static int required(final Access access)
    {
        return access == Access.READ ? READ : READ_WRITE;
    }

    /**
     * @param rights one of the constants above.
     * @throws IllegalArgumentException otherwise.
     */
    public static void checkRights(final int rights)
    {
        if (rights != NONE && rights != READ && rights != READ_WRITE)
        {
            throw new IllegalArgumentException("rights=" + rights + " must be NONE(0), READ(1) or READ_WRITE(3)");
        }
    }

    /**
     * @param rights one of the constants above.
     * @return a short name.
     */
    public static String name(final int rights)
    {
        switch (rights)
        {
            case NONE:
                return "none";
            case READ:
                return "r";
            case READ_WRITE:
                return "rw";
            default:
                return "invalid(" + rights + ")";
        }
    }
}
