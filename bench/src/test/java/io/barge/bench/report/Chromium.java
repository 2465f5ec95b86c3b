package io.barge.bench.report;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a headless Chromium on a page: its DOM as the browser built it, and a screenshot.
 */
final class Chromium
{
    /** Binary names looked for on PATH. */
    static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "chrome");

    private Chromium()
    {
    }

    /**
     * @return the path of a Chromium binary ($BARGE_CHROMIUM first, then PATH), or null.
     */
    static String find()
    {
        final String configured = System.getenv("BARGE_CHROMIUM");
        if (configured != null && new File(configured).canExecute())
        {
            return configured;
        }
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String dir : path.split(File.pathSeparator))
        {
            for (final String name : NAMES)
            {
                final File candidate = new File(dir, name);
                if (candidate.isFile() && candidate.canExecute())
                {
                    return candidate.getAbsolutePath();
                }
            }
        }
        return null;
    }

    static String dumpDom(final String chromium, final Path page) throws IOException, InterruptedException
    {
        final Path out = Files.createTempFile("barge-dom", ".html");
        try
        {
            run(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                page.toUri().toString()), out);
            return Files.readString(out, StandardCharsets.UTF_8);
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    static BufferedImage screenshot(final String chromium, final Path page, final Path png, final int width,
        final int height) throws IOException, InterruptedException
    {
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        final Path log = Files.createTempFile("barge-shot", ".log");
        try
        {
            run(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=" + width + "," + height, "--screenshot=" + png, page.toUri().toString()), log);
        }
        finally
        {
            Files.deleteIfExists(log);
        }
        final BufferedImage image = ImageIO.read(png.toFile());
        if (image == null)
        {
            throw new IOException("chromium wrote no readable screenshot at " + png);
        }
        return image;
    }

    private static void run(final List<String> command, final Path stdout) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(180, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("chromium did not finish in 180 s: " + command);
        }
        if (process.exitValue() != 0)
        {
            throw new IOException("chromium exited with " + process.exitValue() + ": " + command);
        }
    }

    /**
     * @return whether at least {@code atLeast} pixels have this colour (give or take a little for anti-aliasing).
     */
    static boolean hasColour(final BufferedImage image, final int rgb, final int atLeast)
    {
        int found = 0;
        for (int y = 0; y < image.getHeight(); y += 1)
        {
            for (int x = 0; x < image.getWidth(); x += 1)
            {
                if (close(image.getRGB(x, y), rgb) && ++found >= atLeast)
                {
                    return true;
                }
            }
        }
        return false;
    }

    static int distinctColours(final BufferedImage image)
    {
        final Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3)
        {
            for (int x = 0; x < image.getWidth(); x += 3)
            {
                colours.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    private static boolean close(final int a, final int b)
    {
        for (int shift = 0; shift <= 16; shift += 8)
        {
            if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 6)
            {
                return false;
            }
        }
        return true;
    }
}
