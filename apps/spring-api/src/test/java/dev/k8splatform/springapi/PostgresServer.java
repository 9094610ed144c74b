package dev.k8splatform.springapi;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: its own data folder, a random port on 127.0.0.1,
 * password authentication over TCP, a role and a database for the API. It runs the machine's
 * PostgreSQL (Debian's postgresql package; PG_BIN overrides the folder) and fails loudly when
 * there is none. As root it runs as the postgres user, since PostgreSQL refuses root.
 */
final class PostgresServer implements AutoCloseable {
  static final String DATABASE = "articles";
  static final String USER = "spring_api";

  final String password = UUID.randomUUID().toString();
  final int port;
  private final Path dir;
  private final Path bin;
  private final boolean asPostgresUser;
  private final Process server;

  private PostgresServer() throws IOException, InterruptedException {
    bin = findBin();
    asPostgresUser = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("spring-api-pg");
    if (asPostgresUser) run(List.of("chown", "postgres:postgres", dir.toString()), false);
    Path pwfile = dir.resolve("superuser.pw");
    Files.writeString(pwfile, UUID.randomUUID().toString());
    if (asPostgresUser) run(List.of("chown", "postgres:postgres", pwfile.toString()), false);
    run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
        "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + pwfile, "--no-sync",
        "-E", "UTF8", "--locale=C"), true);
    port = JarProcess.freePort();
    List<String> command = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D",
        dir.resolve("data").toString(), "-p", String.valueOf(port), "-k", dir.toString(),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"));
    server = start(command, dir.resolve("postgres.log").toFile());
    awaitReady();
    run(List.of(bin.resolve("psql").toString(), "-h", dir.toString(), "-p", String.valueOf(port), "-U", "postgres",
        "-v", "ON_ERROR_STOP=1", "-q",
        "-c", "CREATE ROLE " + USER + " LOGIN PASSWORD '" + password + "'",
        "-c", "CREATE DATABASE " + DATABASE + " OWNER " + USER), true);
  }

  static PostgresServer start() throws IOException, InterruptedException {
    return new PostgresServer();
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  private static Path findBin() throws IOException {
    String env = System.getenv("PG_BIN");
    if (env != null) return Path.of(env);
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found = versions.map(v -> v.resolve("bin"))
            .filter(b -> Files.isExecutable(b.resolve("initdb")))
            .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
        if (found.isPresent()) return found.get();
      }
    }
    throw new IllegalStateException(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: install Debian's postgresql package "
            + "(apt-get install postgresql) or set PG_BIN to the folder holding initdb and postgres");
  }

  private List<String> asUser(List<String> command) {
    if (!asPostgresUser) return command;
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private Process start(List<String> command, File log) throws IOException {
    return new ProcessBuilder(asUser(command)).redirectErrorStream(true).redirectOutput(log).start();
  }

  private void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(asPostgres ? asUser(command) : command).redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("command failed: " + String.join(" ", command) + "\n" + output);
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!server.isAlive()) {
        throw new IllegalStateException("postgres exited: " + Files.readString(dir.resolve("postgres.log")));
      }
      try (var ignored = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "nobody", "x")) {
        return;
      } catch (SQLException e) {
        // 28P01/28000: the server answers and refuses the login, so it is up.
        if (e.getSQLState() != null && e.getSQLState().startsWith("28")) return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("postgres did not accept connections within 30 s");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    server.destroy();
    if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly().waitFor();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
