def structure(o, _):
  get = o.get
  obj = _new(_b)
  m = 0
  v0 = o['items']
  v0 = h0(v0, t0)
  obj.items = v0
  v1 = o['page']
  if type(v1) is not int: raise TypeError('expected int')
  obj.page = v1
  v2 = o['size']
  if type(v2) is not int: raise TypeError('expected int')
  obj.size = v2
  v3 = o['has_more']
  if type(v3) is not bool: raise TypeError('expected bool')
  obj.has_more = v3
  v4 = o['total']
  if type(v4) is not int: raise TypeError('expected int')
  obj.total = v4
  v5 = o['total_is_estimated']
  if type(v5) is not bool: raise TypeError('expected bool')
  obj.total_is_estimated = v5
  if len(o) + m != 6:
    obj._extra = _proxy({k: x for k, x in o.items() if k not in _known})
  obj.__class__ = _cls
  return obj
