package kiln.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Operator API: tenants, API keys, client-certificate mappings, quotas and the audit log.
 * Every RPC needs a key (or mapped client certificate) with the admin role, for any tenant;
 * other roles get PERMISSION_DENIED. Every call that changes state is written to the audit log.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: kiln/v1/admin.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AdminServiceGrpc {

  private AdminServiceGrpc() {}

  public static final String SERVICE_NAME = "kiln.v1.AdminService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<kiln.v1.CreateTenantRequest,
      kiln.v1.Tenant> getCreateTenantMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateTenant",
      requestType = kiln.v1.CreateTenantRequest.class,
      responseType = kiln.v1.Tenant.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CreateTenantRequest,
      kiln.v1.Tenant> getCreateTenantMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CreateTenantRequest, kiln.v1.Tenant> getCreateTenantMethod;
    if ((getCreateTenantMethod = AdminServiceGrpc.getCreateTenantMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCreateTenantMethod = AdminServiceGrpc.getCreateTenantMethod) == null) {
          AdminServiceGrpc.getCreateTenantMethod = getCreateTenantMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CreateTenantRequest, kiln.v1.Tenant>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateTenant"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateTenantRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Tenant.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("CreateTenant"))
              .build();
        }
      }
    }
    return getCreateTenantMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListTenantsRequest,
      kiln.v1.ListTenantsResponse> getListTenantsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTenants",
      requestType = kiln.v1.ListTenantsRequest.class,
      responseType = kiln.v1.ListTenantsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListTenantsRequest,
      kiln.v1.ListTenantsResponse> getListTenantsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListTenantsRequest, kiln.v1.ListTenantsResponse> getListTenantsMethod;
    if ((getListTenantsMethod = AdminServiceGrpc.getListTenantsMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListTenantsMethod = AdminServiceGrpc.getListTenantsMethod) == null) {
          AdminServiceGrpc.getListTenantsMethod = getListTenantsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListTenantsRequest, kiln.v1.ListTenantsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTenants"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListTenantsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListTenantsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListTenants"))
              .build();
        }
      }
    }
    return getListTenantsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.DeleteTenantRequest,
      kiln.v1.DeleteTenantResponse> getDeleteTenantMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteTenant",
      requestType = kiln.v1.DeleteTenantRequest.class,
      responseType = kiln.v1.DeleteTenantResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.DeleteTenantRequest,
      kiln.v1.DeleteTenantResponse> getDeleteTenantMethod() {
    io.grpc.MethodDescriptor<kiln.v1.DeleteTenantRequest, kiln.v1.DeleteTenantResponse> getDeleteTenantMethod;
    if ((getDeleteTenantMethod = AdminServiceGrpc.getDeleteTenantMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getDeleteTenantMethod = AdminServiceGrpc.getDeleteTenantMethod) == null) {
          AdminServiceGrpc.getDeleteTenantMethod = getDeleteTenantMethod =
              io.grpc.MethodDescriptor.<kiln.v1.DeleteTenantRequest, kiln.v1.DeleteTenantResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteTenant"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteTenantRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.DeleteTenantResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("DeleteTenant"))
              .build();
        }
      }
    }
    return getDeleteTenantMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.CreateApiKeyRequest,
      kiln.v1.CreateApiKeyResponse> getCreateApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateApiKey",
      requestType = kiln.v1.CreateApiKeyRequest.class,
      responseType = kiln.v1.CreateApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.CreateApiKeyRequest,
      kiln.v1.CreateApiKeyResponse> getCreateApiKeyMethod() {
    io.grpc.MethodDescriptor<kiln.v1.CreateApiKeyRequest, kiln.v1.CreateApiKeyResponse> getCreateApiKeyMethod;
    if ((getCreateApiKeyMethod = AdminServiceGrpc.getCreateApiKeyMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCreateApiKeyMethod = AdminServiceGrpc.getCreateApiKeyMethod) == null) {
          AdminServiceGrpc.getCreateApiKeyMethod = getCreateApiKeyMethod =
              io.grpc.MethodDescriptor.<kiln.v1.CreateApiKeyRequest, kiln.v1.CreateApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("CreateApiKey"))
              .build();
        }
      }
    }
    return getCreateApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListApiKeysRequest,
      kiln.v1.ListApiKeysResponse> getListApiKeysMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListApiKeys",
      requestType = kiln.v1.ListApiKeysRequest.class,
      responseType = kiln.v1.ListApiKeysResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListApiKeysRequest,
      kiln.v1.ListApiKeysResponse> getListApiKeysMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListApiKeysRequest, kiln.v1.ListApiKeysResponse> getListApiKeysMethod;
    if ((getListApiKeysMethod = AdminServiceGrpc.getListApiKeysMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListApiKeysMethod = AdminServiceGrpc.getListApiKeysMethod) == null) {
          AdminServiceGrpc.getListApiKeysMethod = getListApiKeysMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListApiKeysRequest, kiln.v1.ListApiKeysResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListApiKeys"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListApiKeysRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListApiKeysResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListApiKeys"))
              .build();
        }
      }
    }
    return getListApiKeysMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.RevokeApiKeyRequest,
      kiln.v1.ApiKey> getRevokeApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeApiKey",
      requestType = kiln.v1.RevokeApiKeyRequest.class,
      responseType = kiln.v1.ApiKey.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.RevokeApiKeyRequest,
      kiln.v1.ApiKey> getRevokeApiKeyMethod() {
    io.grpc.MethodDescriptor<kiln.v1.RevokeApiKeyRequest, kiln.v1.ApiKey> getRevokeApiKeyMethod;
    if ((getRevokeApiKeyMethod = AdminServiceGrpc.getRevokeApiKeyMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getRevokeApiKeyMethod = AdminServiceGrpc.getRevokeApiKeyMethod) == null) {
          AdminServiceGrpc.getRevokeApiKeyMethod = getRevokeApiKeyMethod =
              io.grpc.MethodDescriptor.<kiln.v1.RevokeApiKeyRequest, kiln.v1.ApiKey>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.RevokeApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ApiKey.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("RevokeApiKey"))
              .build();
        }
      }
    }
    return getRevokeApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.RotateApiKeyRequest,
      kiln.v1.CreateApiKeyResponse> getRotateApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RotateApiKey",
      requestType = kiln.v1.RotateApiKeyRequest.class,
      responseType = kiln.v1.CreateApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.RotateApiKeyRequest,
      kiln.v1.CreateApiKeyResponse> getRotateApiKeyMethod() {
    io.grpc.MethodDescriptor<kiln.v1.RotateApiKeyRequest, kiln.v1.CreateApiKeyResponse> getRotateApiKeyMethod;
    if ((getRotateApiKeyMethod = AdminServiceGrpc.getRotateApiKeyMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getRotateApiKeyMethod = AdminServiceGrpc.getRotateApiKeyMethod) == null) {
          AdminServiceGrpc.getRotateApiKeyMethod = getRotateApiKeyMethod =
              io.grpc.MethodDescriptor.<kiln.v1.RotateApiKeyRequest, kiln.v1.CreateApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RotateApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.RotateApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.CreateApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("RotateApiKey"))
              .build();
        }
      }
    }
    return getRotateApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.MapClientCertificateRequest,
      kiln.v1.ClientCertificateMapping> getMapClientCertificateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "MapClientCertificate",
      requestType = kiln.v1.MapClientCertificateRequest.class,
      responseType = kiln.v1.ClientCertificateMapping.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.MapClientCertificateRequest,
      kiln.v1.ClientCertificateMapping> getMapClientCertificateMethod() {
    io.grpc.MethodDescriptor<kiln.v1.MapClientCertificateRequest, kiln.v1.ClientCertificateMapping> getMapClientCertificateMethod;
    if ((getMapClientCertificateMethod = AdminServiceGrpc.getMapClientCertificateMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getMapClientCertificateMethod = AdminServiceGrpc.getMapClientCertificateMethod) == null) {
          AdminServiceGrpc.getMapClientCertificateMethod = getMapClientCertificateMethod =
              io.grpc.MethodDescriptor.<kiln.v1.MapClientCertificateRequest, kiln.v1.ClientCertificateMapping>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "MapClientCertificate"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.MapClientCertificateRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ClientCertificateMapping.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("MapClientCertificate"))
              .build();
        }
      }
    }
    return getMapClientCertificateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.UnmapClientCertificateRequest,
      kiln.v1.UnmapClientCertificateResponse> getUnmapClientCertificateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UnmapClientCertificate",
      requestType = kiln.v1.UnmapClientCertificateRequest.class,
      responseType = kiln.v1.UnmapClientCertificateResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.UnmapClientCertificateRequest,
      kiln.v1.UnmapClientCertificateResponse> getUnmapClientCertificateMethod() {
    io.grpc.MethodDescriptor<kiln.v1.UnmapClientCertificateRequest, kiln.v1.UnmapClientCertificateResponse> getUnmapClientCertificateMethod;
    if ((getUnmapClientCertificateMethod = AdminServiceGrpc.getUnmapClientCertificateMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getUnmapClientCertificateMethod = AdminServiceGrpc.getUnmapClientCertificateMethod) == null) {
          AdminServiceGrpc.getUnmapClientCertificateMethod = getUnmapClientCertificateMethod =
              io.grpc.MethodDescriptor.<kiln.v1.UnmapClientCertificateRequest, kiln.v1.UnmapClientCertificateResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UnmapClientCertificate"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.UnmapClientCertificateRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.UnmapClientCertificateResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("UnmapClientCertificate"))
              .build();
        }
      }
    }
    return getUnmapClientCertificateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.GetQuotasRequest,
      kiln.v1.Quotas> getGetQuotasMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetQuotas",
      requestType = kiln.v1.GetQuotasRequest.class,
      responseType = kiln.v1.Quotas.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.GetQuotasRequest,
      kiln.v1.Quotas> getGetQuotasMethod() {
    io.grpc.MethodDescriptor<kiln.v1.GetQuotasRequest, kiln.v1.Quotas> getGetQuotasMethod;
    if ((getGetQuotasMethod = AdminServiceGrpc.getGetQuotasMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getGetQuotasMethod = AdminServiceGrpc.getGetQuotasMethod) == null) {
          AdminServiceGrpc.getGetQuotasMethod = getGetQuotasMethod =
              io.grpc.MethodDescriptor.<kiln.v1.GetQuotasRequest, kiln.v1.Quotas>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetQuotas"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.GetQuotasRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Quotas.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("GetQuotas"))
              .build();
        }
      }
    }
    return getGetQuotasMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.SetQuotasRequest,
      kiln.v1.Quotas> getSetQuotasMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetQuotas",
      requestType = kiln.v1.SetQuotasRequest.class,
      responseType = kiln.v1.Quotas.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.SetQuotasRequest,
      kiln.v1.Quotas> getSetQuotasMethod() {
    io.grpc.MethodDescriptor<kiln.v1.SetQuotasRequest, kiln.v1.Quotas> getSetQuotasMethod;
    if ((getSetQuotasMethod = AdminServiceGrpc.getSetQuotasMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getSetQuotasMethod = AdminServiceGrpc.getSetQuotasMethod) == null) {
          AdminServiceGrpc.getSetQuotasMethod = getSetQuotasMethod =
              io.grpc.MethodDescriptor.<kiln.v1.SetQuotasRequest, kiln.v1.Quotas>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetQuotas"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.SetQuotasRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.Quotas.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("SetQuotas"))
              .build();
        }
      }
    }
    return getSetQuotasMethod;
  }

  private static volatile io.grpc.MethodDescriptor<kiln.v1.ListAuditEventsRequest,
      kiln.v1.ListAuditEventsResponse> getListAuditEventsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListAuditEvents",
      requestType = kiln.v1.ListAuditEventsRequest.class,
      responseType = kiln.v1.ListAuditEventsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<kiln.v1.ListAuditEventsRequest,
      kiln.v1.ListAuditEventsResponse> getListAuditEventsMethod() {
    io.grpc.MethodDescriptor<kiln.v1.ListAuditEventsRequest, kiln.v1.ListAuditEventsResponse> getListAuditEventsMethod;
    if ((getListAuditEventsMethod = AdminServiceGrpc.getListAuditEventsMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListAuditEventsMethod = AdminServiceGrpc.getListAuditEventsMethod) == null) {
          AdminServiceGrpc.getListAuditEventsMethod = getListAuditEventsMethod =
              io.grpc.MethodDescriptor.<kiln.v1.ListAuditEventsRequest, kiln.v1.ListAuditEventsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListAuditEvents"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListAuditEventsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  kiln.v1.ListAuditEventsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListAuditEvents"))
              .build();
        }
      }
    }
    return getListAuditEventsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AdminServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub>() {
        @java.lang.Override
        public AdminServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceStub(channel, callOptions);
        }
      };
    return AdminServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AdminServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub>() {
        @java.lang.Override
        public AdminServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceBlockingStub(channel, callOptions);
        }
      };
    return AdminServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AdminServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub>() {
        @java.lang.Override
        public AdminServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceFutureStub(channel, callOptions);
        }
      };
    return AdminServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Operator API: tenants, API keys, client-certificate mappings, quotas and the audit log.
   * Every RPC needs a key (or mapped client certificate) with the admin role, for any tenant;
   * other roles get PERMISSION_DENIED. Every call that changes state is written to the audit log.
   * </pre>
   */
  public static abstract class AdminServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Creates a tenant; ALREADY_EXISTS if the id is taken.
     * </pre>
     */
    public void createTenant(kiln.v1.CreateTenantRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Tenant> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateTenantMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists every tenant, by id.
     * </pre>
     */
    public void listTenants(kiln.v1.ListTenantsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListTenantsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTenantsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a tenant and all of its data: its API keys and certificate mappings stop
     * authenticating at once, its active jobs, evaluations and sweeps are cancelled, its models
     * are undeployed, and its records, streams, cache entries and stored artifacts are removed.
     * NOT_FOUND if there is no such tenant.
     * </pre>
     */
    public void deleteTenant(kiln.v1.DeleteTenantRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteTenantResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteTenantMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates an API key for a tenant; the secret is in the response only, never stored in clear.
     * </pre>
     */
    public void createApiKey(kiln.v1.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists a tenant's API keys (never their secrets).
     * </pre>
     */
    public void listApiKeys(kiln.v1.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListApiKeysMethod(), responseObserver);
    }

    /**
     * <pre>
     * Revokes an API key: calls with it fail UNAUTHENTICATED from now on, and open request
     * streams made with it end within a few seconds. NOT_FOUND if there is no such key.
     * </pre>
     */
    public void revokeApiKey(kiln.v1.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ApiKey> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces an API key by a new one with the same role and lifetime; the old key stops working
     * now or after `grace_seconds`. The new secret is in the response only.
     * </pre>
     */
    public void rotateApiKey(kiln.v1.RotateApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRotateApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Maps a client-certificate subject (mutual TLS) to a tenant and role: a call over a
     * connection with that verified certificate and no API key acts as that tenant.
     * </pre>
     */
    public void mapClientCertificate(kiln.v1.MapClientCertificateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ClientCertificateMapping> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getMapClientCertificateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes a client-certificate mapping; NOT_FOUND if there is none for the subject.
     * </pre>
     */
    public void unmapClientCertificate(kiln.v1.UnmapClientCertificateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.UnmapClientCertificateResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUnmapClientCertificateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a tenant's effective quotas (its overrides over the deployment's defaults).
     * </pre>
     */
    public void getQuotas(kiln.v1.GetQuotasRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Quotas> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetQuotasMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets or clears a tenant's quota overrides; returns the effective quotas.
     * </pre>
     */
    public void setQuotas(kiln.v1.SetQuotasRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Quotas> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetQuotasMethod(), responseObserver);
    }

    /**
     * <pre>
     * Queries the audit log, newest first.
     * </pre>
     */
    public void listAuditEvents(kiln.v1.ListAuditEventsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListAuditEventsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListAuditEventsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateTenantMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CreateTenantRequest,
                kiln.v1.Tenant>(
                  this, METHODID_CREATE_TENANT)))
          .addMethod(
            getListTenantsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListTenantsRequest,
                kiln.v1.ListTenantsResponse>(
                  this, METHODID_LIST_TENANTS)))
          .addMethod(
            getDeleteTenantMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.DeleteTenantRequest,
                kiln.v1.DeleteTenantResponse>(
                  this, METHODID_DELETE_TENANT)))
          .addMethod(
            getCreateApiKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.CreateApiKeyRequest,
                kiln.v1.CreateApiKeyResponse>(
                  this, METHODID_CREATE_API_KEY)))
          .addMethod(
            getListApiKeysMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListApiKeysRequest,
                kiln.v1.ListApiKeysResponse>(
                  this, METHODID_LIST_API_KEYS)))
          .addMethod(
            getRevokeApiKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.RevokeApiKeyRequest,
                kiln.v1.ApiKey>(
                  this, METHODID_REVOKE_API_KEY)))
          .addMethod(
            getRotateApiKeyMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.RotateApiKeyRequest,
                kiln.v1.CreateApiKeyResponse>(
                  this, METHODID_ROTATE_API_KEY)))
          .addMethod(
            getMapClientCertificateMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.MapClientCertificateRequest,
                kiln.v1.ClientCertificateMapping>(
                  this, METHODID_MAP_CLIENT_CERTIFICATE)))
          .addMethod(
            getUnmapClientCertificateMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.UnmapClientCertificateRequest,
                kiln.v1.UnmapClientCertificateResponse>(
                  this, METHODID_UNMAP_CLIENT_CERTIFICATE)))
          .addMethod(
            getGetQuotasMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.GetQuotasRequest,
                kiln.v1.Quotas>(
                  this, METHODID_GET_QUOTAS)))
          .addMethod(
            getSetQuotasMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.SetQuotasRequest,
                kiln.v1.Quotas>(
                  this, METHODID_SET_QUOTAS)))
          .addMethod(
            getListAuditEventsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                kiln.v1.ListAuditEventsRequest,
                kiln.v1.ListAuditEventsResponse>(
                  this, METHODID_LIST_AUDIT_EVENTS)))
          .build();
    }
  }

  /**
   * <pre>
   * Operator API: tenants, API keys, client-certificate mappings, quotas and the audit log.
   * Every RPC needs a key (or mapped client certificate) with the admin role, for any tenant;
   * other roles get PERMISSION_DENIED. Every call that changes state is written to the audit log.
   * </pre>
   */
  public static final class AdminServiceStub extends io.grpc.stub.AbstractAsyncStub<AdminServiceStub> {
    private AdminServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a tenant; ALREADY_EXISTS if the id is taken.
     * </pre>
     */
    public void createTenant(kiln.v1.CreateTenantRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Tenant> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateTenantMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists every tenant, by id.
     * </pre>
     */
    public void listTenants(kiln.v1.ListTenantsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListTenantsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTenantsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a tenant and all of its data: its API keys and certificate mappings stop
     * authenticating at once, its active jobs, evaluations and sweeps are cancelled, its models
     * are undeployed, and its records, streams, cache entries and stored artifacts are removed.
     * NOT_FOUND if there is no such tenant.
     * </pre>
     */
    public void deleteTenant(kiln.v1.DeleteTenantRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.DeleteTenantResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteTenantMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates an API key for a tenant; the secret is in the response only, never stored in clear.
     * </pre>
     */
    public void createApiKey(kiln.v1.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists a tenant's API keys (never their secrets).
     * </pre>
     */
    public void listApiKeys(kiln.v1.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Revokes an API key: calls with it fail UNAUTHENTICATED from now on, and open request
     * streams made with it end within a few seconds. NOT_FOUND if there is no such key.
     * </pre>
     */
    public void revokeApiKey(kiln.v1.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ApiKey> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces an API key by a new one with the same role and lifetime; the old key stops working
     * now or after `grace_seconds`. The new secret is in the response only.
     * </pre>
     */
    public void rotateApiKey(kiln.v1.RotateApiKeyRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRotateApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Maps a client-certificate subject (mutual TLS) to a tenant and role: a call over a
     * connection with that verified certificate and no API key acts as that tenant.
     * </pre>
     */
    public void mapClientCertificate(kiln.v1.MapClientCertificateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ClientCertificateMapping> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getMapClientCertificateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes a client-certificate mapping; NOT_FOUND if there is none for the subject.
     * </pre>
     */
    public void unmapClientCertificate(kiln.v1.UnmapClientCertificateRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.UnmapClientCertificateResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUnmapClientCertificateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a tenant's effective quotas (its overrides over the deployment's defaults).
     * </pre>
     */
    public void getQuotas(kiln.v1.GetQuotasRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Quotas> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetQuotasMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets or clears a tenant's quota overrides; returns the effective quotas.
     * </pre>
     */
    public void setQuotas(kiln.v1.SetQuotasRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.Quotas> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetQuotasMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Queries the audit log, newest first.
     * </pre>
     */
    public void listAuditEvents(kiln.v1.ListAuditEventsRequest request,
        io.grpc.stub.StreamObserver<kiln.v1.ListAuditEventsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListAuditEventsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Operator API: tenants, API keys, client-certificate mappings, quotas and the audit log.
   * Every RPC needs a key (or mapped client certificate) with the admin role, for any tenant;
   * other roles get PERMISSION_DENIED. Every call that changes state is written to the audit log.
   * </pre>
   */
  public static final class AdminServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<AdminServiceBlockingStub> {
    private AdminServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a tenant; ALREADY_EXISTS if the id is taken.
     * </pre>
     */
    public kiln.v1.Tenant createTenant(kiln.v1.CreateTenantRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateTenantMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists every tenant, by id.
     * </pre>
     */
    public kiln.v1.ListTenantsResponse listTenants(kiln.v1.ListTenantsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTenantsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a tenant and all of its data: its API keys and certificate mappings stop
     * authenticating at once, its active jobs, evaluations and sweeps are cancelled, its models
     * are undeployed, and its records, streams, cache entries and stored artifacts are removed.
     * NOT_FOUND if there is no such tenant.
     * </pre>
     */
    public kiln.v1.DeleteTenantResponse deleteTenant(kiln.v1.DeleteTenantRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteTenantMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates an API key for a tenant; the secret is in the response only, never stored in clear.
     * </pre>
     */
    public kiln.v1.CreateApiKeyResponse createApiKey(kiln.v1.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a tenant's API keys (never their secrets).
     * </pre>
     */
    public kiln.v1.ListApiKeysResponse listApiKeys(kiln.v1.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListApiKeysMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Revokes an API key: calls with it fail UNAUTHENTICATED from now on, and open request
     * streams made with it end within a few seconds. NOT_FOUND if there is no such key.
     * </pre>
     */
    public kiln.v1.ApiKey revokeApiKey(kiln.v1.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces an API key by a new one with the same role and lifetime; the old key stops working
     * now or after `grace_seconds`. The new secret is in the response only.
     * </pre>
     */
    public kiln.v1.CreateApiKeyResponse rotateApiKey(kiln.v1.RotateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRotateApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Maps a client-certificate subject (mutual TLS) to a tenant and role: a call over a
     * connection with that verified certificate and no API key acts as that tenant.
     * </pre>
     */
    public kiln.v1.ClientCertificateMapping mapClientCertificate(kiln.v1.MapClientCertificateRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getMapClientCertificateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes a client-certificate mapping; NOT_FOUND if there is none for the subject.
     * </pre>
     */
    public kiln.v1.UnmapClientCertificateResponse unmapClientCertificate(kiln.v1.UnmapClientCertificateRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUnmapClientCertificateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a tenant's effective quotas (its overrides over the deployment's defaults).
     * </pre>
     */
    public kiln.v1.Quotas getQuotas(kiln.v1.GetQuotasRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetQuotasMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets or clears a tenant's quota overrides; returns the effective quotas.
     * </pre>
     */
    public kiln.v1.Quotas setQuotas(kiln.v1.SetQuotasRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetQuotasMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Queries the audit log, newest first.
     * </pre>
     */
    public kiln.v1.ListAuditEventsResponse listAuditEvents(kiln.v1.ListAuditEventsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListAuditEventsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Operator API: tenants, API keys, client-certificate mappings, quotas and the audit log.
   * Every RPC needs a key (or mapped client certificate) with the admin role, for any tenant;
   * other roles get PERMISSION_DENIED. Every call that changes state is written to the audit log.
   * </pre>
   */
  public static final class AdminServiceFutureStub extends io.grpc.stub.AbstractFutureStub<AdminServiceFutureStub> {
    private AdminServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a tenant; ALREADY_EXISTS if the id is taken.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Tenant> createTenant(
        kiln.v1.CreateTenantRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateTenantMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists every tenant, by id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListTenantsResponse> listTenants(
        kiln.v1.ListTenantsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTenantsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a tenant and all of its data: its API keys and certificate mappings stop
     * authenticating at once, its active jobs, evaluations and sweeps are cancelled, its models
     * are undeployed, and its records, streams, cache entries and stored artifacts are removed.
     * NOT_FOUND if there is no such tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.DeleteTenantResponse> deleteTenant(
        kiln.v1.DeleteTenantRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteTenantMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates an API key for a tenant; the secret is in the response only, never stored in clear.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.CreateApiKeyResponse> createApiKey(
        kiln.v1.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists a tenant's API keys (never their secrets).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListApiKeysResponse> listApiKeys(
        kiln.v1.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Revokes an API key: calls with it fail UNAUTHENTICATED from now on, and open request
     * streams made with it end within a few seconds. NOT_FOUND if there is no such key.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ApiKey> revokeApiKey(
        kiln.v1.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces an API key by a new one with the same role and lifetime; the old key stops working
     * now or after `grace_seconds`. The new secret is in the response only.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.CreateApiKeyResponse> rotateApiKey(
        kiln.v1.RotateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRotateApiKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Maps a client-certificate subject (mutual TLS) to a tenant and role: a call over a
     * connection with that verified certificate and no API key acts as that tenant.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ClientCertificateMapping> mapClientCertificate(
        kiln.v1.MapClientCertificateRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getMapClientCertificateMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes a client-certificate mapping; NOT_FOUND if there is none for the subject.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.UnmapClientCertificateResponse> unmapClientCertificate(
        kiln.v1.UnmapClientCertificateRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUnmapClientCertificateMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a tenant's effective quotas (its overrides over the deployment's defaults).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Quotas> getQuotas(
        kiln.v1.GetQuotasRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetQuotasMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets or clears a tenant's quota overrides; returns the effective quotas.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.Quotas> setQuotas(
        kiln.v1.SetQuotasRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetQuotasMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Queries the audit log, newest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<kiln.v1.ListAuditEventsResponse> listAuditEvents(
        kiln.v1.ListAuditEventsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListAuditEventsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_TENANT = 0;
  private static final int METHODID_LIST_TENANTS = 1;
  private static final int METHODID_DELETE_TENANT = 2;
  private static final int METHODID_CREATE_API_KEY = 3;
  private static final int METHODID_LIST_API_KEYS = 4;
  private static final int METHODID_REVOKE_API_KEY = 5;
  private static final int METHODID_ROTATE_API_KEY = 6;
  private static final int METHODID_MAP_CLIENT_CERTIFICATE = 7;
  private static final int METHODID_UNMAP_CLIENT_CERTIFICATE = 8;
  private static final int METHODID_GET_QUOTAS = 9;
  private static final int METHODID_SET_QUOTAS = 10;
  private static final int METHODID_LIST_AUDIT_EVENTS = 11;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AdminServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(AdminServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_TENANT:
          serviceImpl.createTenant((kiln.v1.CreateTenantRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Tenant>) responseObserver);
          break;
        case METHODID_LIST_TENANTS:
          serviceImpl.listTenants((kiln.v1.ListTenantsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListTenantsResponse>) responseObserver);
          break;
        case METHODID_DELETE_TENANT:
          serviceImpl.deleteTenant((kiln.v1.DeleteTenantRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.DeleteTenantResponse>) responseObserver);
          break;
        case METHODID_CREATE_API_KEY:
          serviceImpl.createApiKey((kiln.v1.CreateApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse>) responseObserver);
          break;
        case METHODID_LIST_API_KEYS:
          serviceImpl.listApiKeys((kiln.v1.ListApiKeysRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListApiKeysResponse>) responseObserver);
          break;
        case METHODID_REVOKE_API_KEY:
          serviceImpl.revokeApiKey((kiln.v1.RevokeApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ApiKey>) responseObserver);
          break;
        case METHODID_ROTATE_API_KEY:
          serviceImpl.rotateApiKey((kiln.v1.RotateApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.CreateApiKeyResponse>) responseObserver);
          break;
        case METHODID_MAP_CLIENT_CERTIFICATE:
          serviceImpl.mapClientCertificate((kiln.v1.MapClientCertificateRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ClientCertificateMapping>) responseObserver);
          break;
        case METHODID_UNMAP_CLIENT_CERTIFICATE:
          serviceImpl.unmapClientCertificate((kiln.v1.UnmapClientCertificateRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.UnmapClientCertificateResponse>) responseObserver);
          break;
        case METHODID_GET_QUOTAS:
          serviceImpl.getQuotas((kiln.v1.GetQuotasRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Quotas>) responseObserver);
          break;
        case METHODID_SET_QUOTAS:
          serviceImpl.setQuotas((kiln.v1.SetQuotasRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.Quotas>) responseObserver);
          break;
        case METHODID_LIST_AUDIT_EVENTS:
          serviceImpl.listAuditEvents((kiln.v1.ListAuditEventsRequest) request,
              (io.grpc.stub.StreamObserver<kiln.v1.ListAuditEventsResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AdminServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return kiln.v1.AdminProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AdminService");
    }
  }

  private static final class AdminServiceFileDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier {
    AdminServiceFileDescriptorSupplier() {}
  }

  private static final class AdminServiceMethodDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    AdminServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (AdminServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AdminServiceFileDescriptorSupplier())
              .addMethod(getCreateTenantMethod())
              .addMethod(getListTenantsMethod())
              .addMethod(getDeleteTenantMethod())
              .addMethod(getCreateApiKeyMethod())
              .addMethod(getListApiKeysMethod())
              .addMethod(getRevokeApiKeyMethod())
              .addMethod(getRotateApiKeyMethod())
              .addMethod(getMapClientCertificateMethod())
              .addMethod(getUnmapClientCertificateMethod())
              .addMethod(getGetQuotasMethod())
              .addMethod(getSetQuotasMethod())
              .addMethod(getListAuditEventsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
