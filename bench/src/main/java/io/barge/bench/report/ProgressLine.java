package io.barge.bench.report;

import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressState;

import java.time.Duration;
import java.util.Locale;

/**
 * The report's progress line: a bar of fixed width, the count and elapsed time, then the running step in a
 * fixed-width field, so the bar never shrinks or jumps as step names change (the library's default renderer gives
 * the bar whatever the other text leaves over).
 */
final class ProgressLine implements ProgressBarRenderer
{
    /** Characters of the bar between its brackets. */
    static final int BAR_WIDTH = 30;
    /** Characters of the step field: longer names are cut, shorter ones padded. */
    static final int STEP_WIDTH = 48;

    @Override
    public String render(final ProgressState state, final int maxLength)
    {
        return line(state.getCurrent(), state.getMax(), state.getTotalElapsed(), state.getExtraMessage());
    }

    /**
     * @param current steps done.
     * @param max     steps in all.
     * @param elapsed time so far.
     * @param step    the running step (null or empty before the first).
     * @return the line, always {@link #length()} characters.
     */
    static String line(final long current, final long max, final Duration elapsed, final String step)
    {
        final long done = Math.max(0, Math.min(current, max));
        final int filled = max <= 0 ? 0 : (int)(BAR_WIDTH * done / max);
        final String bar = "=".repeat(filled) + (filled < BAR_WIDTH ? ">" + " ".repeat(BAR_WIDTH - filled - 1) : "");
        final long seconds = elapsed == null ? 0 : Math.min(359_999, elapsed.getSeconds());
        return String.format(Locale.ROOT, "barge report [%s] %3d%% %4d/%-4d %02d:%02d:%02d  %s", bar,
            max <= 0 ? 0 : 100 * done / max, Math.min(done, 9999), Math.min(max, 9999), seconds / 3600,
            seconds / 60 % 60, seconds % 60, field(step));
    }

    /**
     * @return the length of every line.
     */
    static int length()
    {
        return line(0, 1, Duration.ZERO, "").length();
    }

    private static String field(final String step)
    {
        final String text = step == null ? "" : step;
        final String cut = text.length() <= STEP_WIDTH ? text : text.substring(0, STEP_WIDTH - 3) + "...";
        return String.format(Locale.ROOT, "%-" + STEP_WIDTH + "s", cut);
    }
}
