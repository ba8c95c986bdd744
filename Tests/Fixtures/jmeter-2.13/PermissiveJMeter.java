import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Starts JMeter 2.13 (org.apache.jmeter.NewDriver) after allowing every type in its two XStream
 * instances. Why: Debian 12 ships JMeter 2.13 with XStream 1.4.20, whose security framework
 * (default since 1.4.18) rejects every class not on an allow-list; JMeter 2.13 predates it and
 * registers none, so loading any .jmx fails with
 * `ForbiddenClassException: org.apache.jmeter.save.ScriptWrapper`. JMeter itself is unchanged:
 * same classes, same save service, same CSV writer.
 * Run as a single-file program: java -cp /usr/share/jmeter/bin/ApacheJMeter.jar PermissiveJMeter.java ARGS
 */
public class PermissiveJMeter {
    public static void main(String[] args) throws Throwable {
        String home = System.getProperty("jmeter.home", "/usr/share/jmeter");
        Class<?> driver = Class.forName("org.apache.jmeter.NewDriver"); // builds JMeter's class loader
        Field loaderField = driver.getDeclaredField("loader");
        loaderField.setAccessible(true);
        ClassLoader loader = (ClassLoader) loaderField.get(null);
        Thread.currentThread().setContextClassLoader(loader);
        // SaveService reads saveservice.properties through JMeterUtils when it initialises.
        Class<?> utils = Class.forName("org.apache.jmeter.util.JMeterUtils", true, loader);
        utils.getMethod("setJMeterHome", String.class).invoke(null, home);
        utils.getMethod("loadJMeterProperties", String.class).invoke(null, home + "/bin/jmeter.properties");
        Class<?> saveService = Class.forName("org.apache.jmeter.save.SaveService", true, loader);
        Class<?> permission = Class.forName("com.thoughtworks.xstream.security.TypePermission", true, loader);
        Object any = Class.forName("com.thoughtworks.xstream.security.AnyTypePermission", true, loader).getField("ANY").get(null);
        for (String name : new String[] {"JMXSAVER", "JTLSAVER"}) {
            Field field = saveService.getDeclaredField(name);
            field.setAccessible(true);
            Object xstream = field.get(null);
            Method add = Class.forName("com.thoughtworks.xstream.XStream", true, loader).getMethod("addPermission", permission);
            add.invoke(xstream, any);
        }
        driver.getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
