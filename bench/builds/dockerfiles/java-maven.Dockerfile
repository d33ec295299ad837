# A Maven app on the same Debian stack, as a careful Dockerfile user writes it: the JDK from
# Debian with apt's cache mounted, Maven from Maven Central (checked against its .sha512) in a
# parallel stage, the build CA as a truststore Maven's JVM reads, `dependency:go-offline` on
# pom.xml with ~/.m2 in a BuildKit cache mount before the sources are copied, then a final stage
# with only Debian's headless JRE and the shaded jar, run as a non-root user.
ARG STACK_BUILD
ARG STACK_RUN

FROM ${STACK_BUILD} AS maven
USER root
ARG MAVEN_VERSION
ADD https://repo1.maven.org/maven2/org/apache/maven/apache-maven/${MAVEN_VERSION}/apache-maven-${MAVEN_VERSION}-bin.tar.gz /tmp/maven.tgz
ADD https://repo1.maven.org/maven2/org/apache/maven/apache-maven/${MAVEN_VERSION}/apache-maven-${MAVEN_VERSION}-bin.tar.gz.sha512 /tmp/maven.tgz.sha512
RUN echo "$(cut -c1-128 /tmp/maven.tgz.sha512)  /tmp/maven.tgz" | sha512sum --check --quiet \
 && mkdir /opt/maven && tar -xzf /tmp/maven.tgz -C /opt/maven --strip-components=1 \
 && rm /tmp/maven.tgz /tmp/maven.tgz.sha512

FROM ${STACK_BUILD} AS build
USER root
ARG JAVA_MAJOR
# The stack leaves /usr/share/man out, and the JDK's postinst links man pages there.
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    mkdir -p /usr/share/man/man1 \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-${JAVA_MAJOR}-jdk-headless
# JDK 17 reads no PEM truststore and keytool imports one certificate per run: a few lines of
# Java (run as a source file) store the whole CA bundle as one PKCS#12 truststore. It stays in
# this stage; the final image has none of it.
RUN --mount=type=secret,id=ca \
    printf '%s\n' \
    'import java.io.*; import java.security.KeyStore; import java.security.cert.*;' \
    'class Truststore { public static void main(String[] a) throws Exception {' \
    '  KeyStore store = KeyStore.getInstance("PKCS12"); store.load(null, null); int i = 0;' \
    '  try (InputStream in = new FileInputStream(a[0])) {' \
    '    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) store.setCertificateEntry("ca-" + i++, c); }' \
    '  try (OutputStream out = new FileOutputStream(a[1])) { store.store(out, "changeit".toCharArray()); } } }' > /tmp/Truststore.java \
 && java /tmp/Truststore.java /run/secrets/ca /etc/ssl/build-ca.p12 && rm /tmp/Truststore.java
COPY --from=maven /opt/maven /opt/maven
ENV PATH=/opt/maven/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    MAVEN_OPTS="-XX:TieredStopAtLevel=1 -Djavax.net.ssl.trustStore=/etc/ssl/build-ca.p12 -Djavax.net.ssl.trustStorePassword=changeit"
WORKDIR /src
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B --no-transfer-progress dependency:go-offline
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B --no-transfer-progress -DskipTests package \
 && cp target/hello-1.0.0.jar /app.jar

FROM ${STACK_RUN}
USER root
ARG JAVA_MAJOR
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    mkdir -p /usr/share/man/man1 \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-${JAVA_MAJOR}-jre-headless \
 && rm -rf /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
COPY --from=build --chown=1000:1000 /app.jar /app/app.jar
USER 1000:1000
WORKDIR /app
ENV LANG=C.UTF-8
CMD ["java", "-XX:MaxRAMPercentage=80.0", "-jar", "/app/app.jar"]
