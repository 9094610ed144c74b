package dev.k8splatform.springapi.config;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reports where the application's settings come from (environment variables, the config
 * folder, the secrets folder, the packaged defaults) without ever showing a value, so an
 * operator can check that a ConfigMap, a Secret or the Vault agent reached the pod.
 */
@RestController
public class ConfigSourcesController {

  /** Properties whose origin is reported. */
  static final List<String> REPORTED = List.of(
      "app.environment",
      "app.api-key",
      "spring.datasource.url",
      "spring.datasource.password",
      "server.port",
      "management.server.port");

  /** Spring's view over all other sources; skipped so the real origin shows. */
  private static final String AGGREGATE = "configurationProperties";

  private final ConfigurableEnvironment environment;

  public ConfigSourcesController(ConfigurableEnvironment environment) {
    this.environment = environment;
  }

  /** One active property source: Spring's name for it and a stable word for its kind. */
  public record Source(
      @Schema(requiredMode = RequiredMode.REQUIRED) String name,
      @Schema(requiredMode = RequiredMode.REQUIRED) String kind) {}

  /** One property: whether it is set and which source supplies it (both null when unset). */
  public record Origin(
      @Schema(requiredMode = RequiredMode.REQUIRED) boolean set,
      @Schema(requiredMode = RequiredMode.REQUIRED, types = {"string", "null"}) String source,
      @Schema(requiredMode = RequiredMode.REQUIRED, types = {"string", "null"}) String kind) {}

  /** The response: every active source and the origin of each reported property. */
  public record ConfigSources(
      @Schema(requiredMode = RequiredMode.REQUIRED) List<Source> sources,
      @Schema(requiredMode = RequiredMode.REQUIRED) Map<String, Origin> properties) {}

  @GetMapping(path = "/api/config-sources", produces = MediaType.APPLICATION_JSON_VALUE)
  public ConfigSources configSources() {
    List<Source> sources = new ArrayList<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> && !AGGREGATE.equals(source.getName())) {
        sources.add(new Source(source.getName(), kind(source)));
      }
    }
    Map<String, Origin> properties = new LinkedHashMap<>();
    for (String property : REPORTED) {
      properties.put(property, origin(property));
    }
    return new ConfigSources(sources, properties);
  }

  // Boot's own view of the sources, so the lookup follows the binder's relaxed rules
  // (APP_APIKEY in the environment is app.api-key) rather than raw property names.
  private Origin origin(String property) {
    ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (source.getConfigurationProperty(name) != null
          && source.getUnderlyingSource() instanceof PropertySource<?> underlying) {
        return new Origin(true, underlying.getName(), kind(underlying));
      }
    }
    return new Origin(false, null, null);
  }

  /** A stable, human word for a source, independent of Spring's naming details. */
  static String kind(PropertySource<?> source) {
    String name = source.getName().toLowerCase(java.util.Locale.ROOT);
    boolean tree = name.contains("configtree") || name.contains("config tree");
    if (source instanceof SystemEnvironmentPropertySource) return "environment";
    if (tree && name.contains("secrets")) return "secrets-folder";
    if (tree) return "config-folder";
    if (name.contains("application")) return "packaged-defaults";
    if (name.equals("systemproperties")) return "system-properties";
    if (name.contains("commandline")) return "command-line";
    return "other";
  }
}
