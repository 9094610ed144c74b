package dev.k8splatform.springapi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ways one path can be spelt so that a server, a proxy or a filter may read it differently
 * from the router: percent-encodings (single, double, upper- and lower-case, of letters, dots and
 * slashes), ";" path parameters, dot segments, duplicate and trailing slashes, letter case, and
 * the absolute form of the request-target. Each spelling keeps the original path recognisable to
 * at least one normalizer on the way, which is what makes it dangerous.
 */
final class PathSpellings {
  private PathSpellings() {}

  static List<String> of(String path, int port) {
    String[] segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    Set<String> out = new LinkedHashSet<>();
    out.add(path);
    out.add(path + "/");
    out.add("/" + path);
    out.add(path + "//");
    out.add(join(segments, "//"));
    out.add(path + ";");
    out.add(path + ";jsessionid=x");
    out.add(path + "/.");
    out.add("/." + path);
    out.add("/%2e" + path);
    out.add("/x/.." + path);
    out.add("/x/%2e%2e" + path);
    out.add("/x/%2E%2E" + path);
    out.add(path + "%00");
    out.add(path + "%20");
    out.add(path.toUpperCase(Locale.ROOT));
    out.add("http://127.0.0.1:" + port + path);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      out.add(replace(segments, i, percent(s.charAt(0)) + s.substring(1)));
      out.add(replace(segments, i, percent(s.charAt(0)).toLowerCase(Locale.ROOT) + s.substring(1)));
      out.add(replace(segments, i, "%25" + hex(s.charAt(0)) + s.substring(1)));
      out.add(replace(segments, i, s + ";x=1"));
      out.add(replace(segments, i, s + ";"));
      out.add(replace(segments, i, s + "/."));
      out.add(replace(segments, i, s + "/x/.."));
      out.add(replace(segments, i, Character.toUpperCase(s.charAt(0)) + s.substring(1)));
      if (i > 0) {
        out.add(joinAt(segments, i, "%2F"));
        out.add(joinAt(segments, i, "%2f"));
        out.add(joinAt(segments, i, "%5C"));
        out.add(joinAt(segments, i, "/./"));
      }
    }
    return new ArrayList<>(out);
  }

  private static String hex(char c) {
    return String.format("%02X", (int) c);
  }

  private static String percent(char c) {
    return "%" + hex(c);
  }

  private static String join(String[] segments, String separator) {
    return "/" + String.join(separator, segments);
  }

  private static String replace(String[] segments, int index, String replacement) {
    String[] copy = segments.clone();
    copy[index] = replacement;
    return join(copy, "/");
  }

  /** The path with the separator before segment {@code index} replaced. */
  private static String joinAt(String[] segments, int index, String separator) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      b.append(i == index ? separator : "/").append(segments[i]);
    }
    return b.toString();
  }
}
