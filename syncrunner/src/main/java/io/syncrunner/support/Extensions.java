package io.syncrunner.support;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * Configurations that run before the runner's own ({@code syncrunner.extensions}: class names of
 * {@link CamelConfiguration}s, comma-separated, on the classpath). The product ships none; a tool that embeds the
 * runner (the demo, with its API emulators) lists its own, so that the product never knows about it.
 */
public final class Extensions {
    public static final String PROPERTY = "syncrunner.extensions";

    private Extensions() {
    }

    /** Runs each listed configuration on the context, in the order given; an unknown class stops the start. */
    public static void configure(CamelContext context) throws Exception {
        String listed = context.getPropertiesComponent().resolveProperty(PROPERTY).orElse("").trim();
        for (String name : listed.split(",")) {
            String className = name.trim();
            if (className.isEmpty()) {
                continue;
            }
            Class<?> type;
            try {
                type = Class.forName(className, true, Extensions.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException(PROPERTY + ": no class " + className + " on the classpath");
            }
            if (!CamelConfiguration.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(PROPERTY + ": " + className + " is not a "
                        + CamelConfiguration.class.getName());
            }
            ((CamelConfiguration) type.getDeclaredConstructor().newInstance()).configure(context);
        }
    }
}
