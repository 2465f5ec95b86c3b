package io.barge.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * README.md's first program stays the real one: every code line of the java block in "Using Barge as a library"
 * appears, in the same order, in StreamExample.java (lines may be left out, not changed).
 */
class ReadmeSnippetTest
{
    private static final String SECTION = "## Using Barge as a library";

    @Test
    void theReadmeSnippetIsMadeOfTheExamplesLinesInOrder() throws IOException
    {
        final Path root = repositoryRoot();
        final List<String> snippet = snippet(Files.readAllLines(root.resolve("README.md")));
        assertTrue(snippet.size() >= 25, "snippet found, " + snippet.size() + " code lines");
        final Path sources = root.resolve("examples/src/main/java/io/barge/examples");
        final List<String> code = new ArrayList<>();
        for (final String file : List.of("StreamExample.java"))
        {
            Files.readAllLines(sources.resolve(file)).forEach(line -> code.add(line.trim()));
        }
        int at = 0;
        for (final String line : snippet)
        {
            while (at < code.size() && !code.get(at).equals(line))
            {
                at++;
            }
            assertTrue(at < code.size(), "README line not in the examples (or out of order): " + line);
            at++;
        }
    }

    /** The trimmed lines of the first java block after the section heading, without comment-only lines. */
    private static List<String> snippet(final List<String> readme)
    {
        final List<String> lines = new ArrayList<>();
        boolean inSection = false;
        boolean inBlock = false;
        for (final String line : readme)
        {
            if (line.equals(SECTION))
            {
                inSection = true;
            }
            else if (inSection && !inBlock && line.equals("```java"))
            {
                inBlock = true;
            }
            else if (inBlock && line.equals("```"))
            {
                return lines;
            }
            else if (inBlock && !line.trim().startsWith("//") && !line.isBlank())
            {
                lines.add(line.trim());
            }
        }
        return fail("no java block under " + SECTION + " in README.md");
    }

    private static Path repositoryRoot()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.exists(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("examples")))
            {
                return dir;
            }
        }
        return fail("repository root not found above " + Path.of("").toAbsolutePath());
    }
}
