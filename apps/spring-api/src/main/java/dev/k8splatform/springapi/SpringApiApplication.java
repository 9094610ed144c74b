package dev.k8splatform.springapi;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The articles API: a small catalogue that shows every way the platform configures an app. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SpringApiApplication {

  public static void main(String[] args) {
    SpringApplication.run(SpringApiApplication.class, args);
  }
}
