/** Real ids from the catalog: the demo tenant's products, two it does not subscribe to, and plans. */
export const SKU = {
  E1: "18181a46-0d4e-45cd-891e-60aabd171b4e",
  E3: "6fd2c87f-b296-42f0-b197-1e91e994b900",
  E5: "c7df2760-2c81-4ef7-b578-5b5392b571df",
  EMS: "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
  WORKPLACE_ANALYTICS: "3d957427-ecdc-4df2-aacd-01cc9d519da8",
  MCOMEETADV: "0c266dff-15dd-4b49-8397-2bb16070ed52",
  MCOSTANDARD: "d42c793f-6c78-4f43-92ca-e8f6a02b035f",
  /** Microsoft 365 E5: in the catalog, not subscribed by the demo tenant. */
  SPE_E5: "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
  /** Microsoft 365 E5 Developer: in the catalog, not subscribed by the demo tenant. */
  DEVELOPERPACK_E5: "c42b9cae-ea4f-4ab7-9717-81576235ccac",
} as const;

export const PLAN = {
  EXCHANGE_S_STANDARD: "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
  EXCHANGE_S_ENTERPRISE: "efb87545-963c-4e0d-99df-69c6916d9eb0",
  MCOSTANDARD: "0feaeb32-d00e-4d66-bd5a-43b5b83db82c",
  MCOMEETADV: "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40",
  WORKPLACE_ANALYTICS: "f477b0f0-3bb1-4890-940c-40fcee6ce05f",
} as const;
