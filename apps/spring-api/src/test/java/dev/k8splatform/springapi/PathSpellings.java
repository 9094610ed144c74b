package dev.k8splatform.springapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The spellings of the write routes in {@code path-spellings.txt} (percent-encodings, ";" path
 * parameters, dot segments, duplicate and trailing slashes, letter case, the absolute form...),
 * with the placeholders filled in. `npm run verify` sends the same list through nginx.
 */
final class PathSpellings {
  private PathSpellings() {}

  static List<String> load(int port, long id) {
    String digits = Long.toString(id);
    String encodedFirst = String.format("%02X", (int) digits.charAt(0));
    return lines().stream()
        .map(line -> line
            .replace("{port}", Integer.toString(port))
            .replace("{%id}", "%" + encodedFirst + digits.substring(1))
            .replace("{%25id}", "%25" + encodedFirst + digits.substring(1))
            .replace("{id}", digits))
        .toList();
  }

  private static List<String> lines() {
    try (InputStream in = PathSpellings.class.getResourceAsStream("/path-spellings.txt")) {
      if (in == null) throw new IllegalStateException("path-spellings.txt is not on the test classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
