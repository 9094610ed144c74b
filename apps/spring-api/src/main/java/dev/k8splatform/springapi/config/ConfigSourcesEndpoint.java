package dev.k8splatform.springapi.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.stereotype.Component;

/**
 * {@code GET /actuator/configsources}: where the application's settings come from (environment
 * variables, the config folder, the secrets folder, the packaged defaults) without ever showing
 * a value, so an operator can check that a ConfigMap, a Secret or the Vault agent reached the
 * pod.
 *
 * <p>It is an actuator endpoint, so it lives on the management port, which neither the Ingress
 * nor the Service's API port routes to. It exists only while that port differs from the API
 * port: with {@code management.server.port} equal to {@code server.port} the actuator would
 * share the API's port, and the Ingress with it, so the bean is not created at all.
 */
@Component
@ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
@WebEndpoint(id = ConfigSourcesEndpoint.ID)
public class ConfigSourcesEndpoint {

  /** The endpoint's id: its path under /actuator and its name in the exposure list. */
  public static final String ID = "configsources";

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

  public ConfigSourcesEndpoint(ConfigurableEnvironment environment) {
    this.environment = environment;
  }

  /** One active property source: Spring's name for it and a stable word for its kind. */
  public record Source(String name, String kind) {}

  /**
   * One property: whether it is set and, when it is, the source that supplies it, that source's
   * kind, and Spring's account of where exactly the value was read (the environment variable's
   * name, the file's path, the line of application.yaml). Never the value.
   */
  public record Property(boolean set, String source, String kind, String origin) {}

  /** The report: every active source and the origin of each reported property. */
  public record ConfigSources(List<Source> sources, Map<String, Property> properties) {}

  @ReadOperation
  public ConfigSources configSources() {
    List<Source> sources = new ArrayList<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> && !AGGREGATE.equals(source.getName())) {
        sources.add(new Source(source.getName(), kind(source)));
      }
    }
    Map<String, Property> properties = new LinkedHashMap<>();
    for (String property : REPORTED) {
      properties.put(property, property(property));
    }
    return new ConfigSources(sources, properties);
  }

  // Boot's own view of the sources, so the lookup follows the binder's relaxed rules
  // (APP_APIKEY in the environment is app.api-key) rather than raw property names.
  private Property property(String property) {
    ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      ConfigurationProperty found = source.getConfigurationProperty(name);
      if (found != null && source.getUnderlyingSource() instanceof PropertySource<?> underlying) {
        return new Property(true, underlying.getName(), kind(underlying), origin(found.getOrigin()));
      }
    }
    return new Property(false, null, null, null);
  }

  // Only Origin's description is kept: it names a variable, a file or a line, never the value.
  private static String origin(Origin origin) {
    return origin == null ? null : origin.toString();
  }

  /** A stable, human word for a source, independent of Spring's naming details. */
  static String kind(PropertySource<?> source) {
    String name = source.getName().toLowerCase(Locale.ROOT);
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
